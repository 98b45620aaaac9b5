#include "src/server/api.h"

#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/server/request.h"
#include "src/server/routes.h"

namespace optin::server {

HttpResponse ErrorResponse(const Status& status) {
  const StatusCodeInfo& info = InfoFor(status.code());
  return ErrorResponse(info.http_status, status.reason().empty() ? info.api_code : status.reason(), status.message());
}

HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject().Key("code").String(code).Key("message").String(message).EndObject().EndObject();
  HttpResponse r;
  r.status = http_status;
  r.body = std::move(w).Take();
  return r;
}

Api::Api(Engine& engine, std::string base_url, std::vector<std::string> cors_origins)
    : engine_(engine), auth_(engine), cors_(std::move(cors_origins)), base_url_(std::move(base_url)) {
  // The keys are read at once, so that a node the store drops out from under
  // before its first request still knows them (the error, if any, shows on
  // the first request).
  (void)auth_.Load();
}

HttpResponse Api::Handle(const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  // OPTIONS is answered before any authentication (a browser's preflight
  // carries no credentials).
  HttpResponse response = request.method == "OPTIONS" ? cors_.Preflight(request) : Route(request);
  cors_.Decorate(request, response);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.CountRequest(response.route, response.status, seconds);
  return response;
}

HttpResponse Api::Route(const HttpRequest& request) {
  std::optional<RouteMatch> match = MatchRoute(request.path);
  if (!match) return ErrorResponse(404, "not_found", "no such endpoint: " + request.method + " " + request.path);
  // Every answer from here on is labelled with the route's pattern.
  auto labelled = [&](HttpResponse r) {
    r.route = match->pattern;
    return r;
  };
  const server::Route* route = match->For(request.method);
  if (!route) {
    HttpResponse r = ErrorResponse(405, "method_not_allowed", "use " + std::string(match->allow) + " here");
    r.headers.emplace_back("Allow", std::string(match->allow));
    return labelled(std::move(r));
  }
  Result<Principal> who = route->access == Access::kPublic ? Result<Principal>(Principal{})
                                                           : auth_.Authenticate(request.authorization);
  const bool has_subject = route->pattern.find("{id}") != std::string_view::npos;
  std::optional<std::string> subject = has_subject ? PercentDecode(match->captures[0]) : std::string();
  if (route->access == Access::kCustomer && who.ok()) subject = who->subject;
  if (AccessDecision access = Authorize(who, route->access, subject.value_or("")); !access.allowed) {
    HttpResponse r = ErrorResponse(access.reason);
    if (access.reason.code() == StatusCode::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return labelled(std::move(r));
  }
  Call call{request, *who, {}, {}, {}, {}};
  if (!subject) {
    return labelled(ErrorResponse(InvalidArgumentError("the subject id in the path is not validly percent-encoded")));
  }
  call.subject = std::move(*subject);
  if (has_subject) {
    if (Status s = ValidateSubjectId(call.subject); !s.ok()) return labelled(ErrorResponse(s));
  }
  if (route->pattern.ends_with("{purpose}")) {
    std::optional<std::string> purpose = PercentDecode(match->captures[1]);
    if (!purpose) {
      return labelled(ErrorResponse(InvalidArgumentError("the purpose in the path is not validly percent-encoded")));
    }
    call.purpose = std::move(*purpose);
  }
  if (route->pattern.starts_with("/v1/embed/{property}")) {
    std::optional<std::string> property = PercentDecode(match->captures[0]);
    if (!property) {
      return labelled(ErrorResponse(InvalidArgumentError("the property in the path is not validly percent-encoded")));
    }
    call.property = std::move(*property);
  }
  if (route->pattern.ends_with("*}") || route->pattern.ends_with("{name}")) {
    call.rest = match->captures[match->capture_count - 1];
  }
  // A request that acts for a subject and carries Sec-GPC: 1 is that
  // subject's browser (or the company's site relaying it) opting out: the
  // one place where the API records the signal on its own (a choice records
  // it in the same engine call, Gpc::kWithTheChoice).
  if (route->gpc == Gpc::kRecorded && request.gpc) {
    if (Status s = engine_.RecordGpc(call.subject, WriterFor(call.who)).status(); !s.ok()) {
      return labelled(ErrorResponse(s));
    }
  }
  return labelled(route->handler(services_, call));
}

Result<std::string> Api::ChangeEvents(uint64_t after, size_t limit, uint64_t* last) {
  OPTIN_ASSIGN_OR_RETURN(std::vector<Change> changes, engine_.Changes(after, limit));
  std::string out;
  for (const Change& c : changes) {
    JsonWriter w;
    w.BeginObject().Key("seq").Uint(c.seq).Key("time").String(FormatRfc3339(c.time));
    w.Key("action").String(ActionName(c.action)).Key("purpose").String(c.purpose).Key("notice").String(c.notice);
    w.Key("channel").String(c.channel).Key("subject");
    if (c.subject.empty()) w.Null();
    else w.String(c.subject);
    w.EndObject();
    // JSON from the writer never holds a raw newline, so one data line.
    out += "id: " + std::to_string(c.seq) + "\nevent: " + std::string(ActionName(c.action)) + "\ndata: " + w.str() +
           "\n\n";
    *last = c.seq;
  }
  return out;
}

}  // namespace optin::server
