#include "src/server/api.h"

#include <simdjson.h>

#include <charconv>

#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/server/export_page.h"
#include "src/server/web_assets.h"
#include "src/common/json_keys.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"

namespace optin::server {
namespace {

// DO NOT CHANGE: route names appear in metrics labels.
constexpr std::string_view kRouteHealth = "/healthz";
// A node that has not caught up with its store for this long reports itself
// unhealthy (it follows every sync interval, 200 ms by default).
constexpr int64_t kUnhealthyLagMicros = 5'000'000;
constexpr std::string_view kRouteMetrics = "/metrics";
constexpr std::string_view kRoutePurposes = "/v1/purposes";
constexpr std::string_view kRouteCheck = "/v1/check";
constexpr std::string_view kRouteBatch = "/v1/check/batch";
constexpr std::string_view kRouteConsents = "/v1/subjects/{id}/consents";
constexpr std::string_view kRouteConsent = "/v1/subjects/{id}/consents/{purpose}";
constexpr std::string_view kRouteHistory = "/v1/subjects/{id}/history";
constexpr std::string_view kRouteLink = "/v1/subjects/{id}/link";
constexpr std::string_view kRouteReceipts = "/v1/subjects/{id}/receipts";
constexpr std::string_view kRouteExport = "/v1/subjects/{id}/export";
constexpr std::string_view kRouteSubject = "/v1/subjects/{id}";
constexpr std::string_view kRouteSession = "/v1/session";
constexpr std::string_view kRouteChanges = "/v1/changes";
constexpr std::string_view kRouteSignals = "/v1/subjects/{id}/signals";
constexpr std::string_view kRouteGpcJson = "/.well-known/gpc.json";
constexpr std::string_view kRouteLogHead = "/v1/log/head";
constexpr std::string_view kRouteLogKey = "/v1/log/key";
constexpr std::string_view kRouteInclusion = "/v1/log/proof/inclusion";
constexpr std::string_view kRouteConsistency = "/v1/log/proof/consistency";
constexpr std::string_view kRoutePage = "/p/{token}";
constexpr std::string_view kRouteStatic = "/static/{file}";

// The preference center's page: scripts and styles from this server only,
// never inline; nothing may frame it; forms go nowhere.
constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse Json(std::string body, std::string_view route, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.route = route;
  return r;
}

// Percent-decodes one path segment or query value; nullopt when malformed.
std::optional<std::string> Decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// How many times the query names `name`.
size_t QueryCount(std::string_view query, std::string_view name) {
  size_t n = 0, start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (pair.substr(0, pair.find('=')) == name) ++n;
    start = end + 1;
  }
  return n;
}

std::string QueryParam(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return Decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1)).value_or("");
    start = end + 1;
  }
  return "";
}

// Parses a JSON object body with this thread's parser. The element lives
// until the thread's next ParseBody: one per request. kInvalidArgument
// naming the problem.
Result<simdjson::dom::element> ParseBody(const std::string& body) {
  thread_local simdjson::dom::parser parser;
  if (body.empty()) return InvalidArgumentError("the request needs a JSON body");
  simdjson::dom::element doc;
  if (auto error = parser.parse(body).get(doc); error) {
    return InvalidArgumentError(std::string("the body is not valid JSON: ") + simdjson::error_message(error));
  }
  if (!doc.is_object()) return InvalidArgumentError("the body must be a JSON object");
  // A repeated key could be read two ways; refuse it rather than pick one.
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  return doc;
}

Result<std::string> StringField(simdjson::dom::element obj, std::string_view key, bool required) {
  simdjson::dom::element v;
  if (obj[key].get(v)) {
    if (required) return InvalidArgumentError("the body needs `" + std::string(key) + "`");
    return std::string();
  }
  std::string_view s;
  if (v.get(s)) return InvalidArgumentError("`" + std::string(key) + "` must be a string");
  return std::string(s);
}

}  // namespace

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

Result<std::string> MakeLink(Engine& engine, std::string_view subject, std::string_view ttl_text,
                             std::string_view base_url) {
  OPTIN_ASSIGN_OR_RETURN(IsoDuration ttl, ParseIsoDuration(ttl_text));
  const int64_t now = engine.Now();
  const int64_t ttl_micros = AddDuration(now, ttl) - now;
  OPTIN_ASSIGN_OR_RETURN(std::string token, engine.CreateLinkToken(subject, ttl_micros));
  JsonWriter w;
  w.BeginObject().Key("url").String(std::string(base_url) + "/p/" + token).Key("token").String(token);
  w.Key("expires").String(FormatRfc3339(now + ttl_micros)).EndObject();
  return std::move(w).Take();
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
  const std::string& m = request.method;
  auto only = [&](std::string_view method, std::string_view route) -> std::optional<HttpResponse> {
    if (m == method) return std::nullopt;
    HttpResponse r = ErrorResponse(405, "method_not_allowed", "use " + std::string(method) + " here");
    r.headers.emplace_back("Allow", std::string(method));
    r.route = route;
    return r;
  };
  if (request.path == kRouteHealth) {
    if (auto r = only("GET", kRouteHealth)) return *r;
    return Health();
  }
  if (request.path == kRouteMetrics) {
    if (auto r = only("GET", kRouteMetrics)) return *r;
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.Render(engine_.last_seq(), engine_.subject_count(), static_cast<double>(engine_.lag()) / 1e6);
    r.route = kRouteMetrics;
    return r;
  }
  if (request.path == kRoutePurposes) {
    if (auto r = only("GET", kRoutePurposes)) return *r;
    return Purposes(request);
  }
  if (request.path == kRouteGpcJson) {
    if (auto r = only("GET", kRouteGpcJson)) return *r;
    // The site honours Global Privacy Control (W3C GPC §3.3).
    // `lastUpdate` (optional): the day the notices in force were published.
    JsonWriter w;
    w.BeginObject().Key("gpc").Bool(true);
    if (Result<std::vector<PublicationRecord>> pubs = engine_.Publications(); pubs.ok() && !pubs->empty()) {
      w.Key("lastUpdate").String(FormatRfc3339(pubs->back().time).substr(0, 10));
    }
    w.EndObject();
    return Json(std::move(w).Take(), kRouteGpcJson);
  }
  if (request.path.starts_with("/v1/log/")) {
    // The log is public: it holds hashes and signatures, nothing personal,
    // so that anyone can monitor it (RFC 9162 §8).
    for (std::string_view route : {kRouteLogHead, kRouteLogKey, kRouteInclusion, kRouteConsistency}) {
      if (request.path != route) continue;
      if (auto r = only("GET", route)) return *r;
      HttpResponse r = Log(request, route);
      r.route = route;
      return r;
    }
  }
  if (request.path == "/" || request.path.starts_with("/p/") || request.path.starts_with("/static/")) {
    // `/` is the page without a token: it explains that a link is needed.
    const bool page = !request.path.starts_with("/static/");
    const std::string_view route = page ? kRoutePage : kRouteStatic;
    if (auto r = only("GET", route)) return *r;
    // The page is the same for every token: its script reads the token from
    // the address and sends it as a bearer token, never as a cookie, so no
    // other site can make a customer's browser act (no CSRF).
    const WebAsset* asset = FindWebAsset(page ? "index.html" : request.path.substr(std::string_view("/static/").size()));
    if (!asset) {
      HttpResponse r = ErrorResponse(404, "not_found", "no such file");
      r.route = route;
      return r;
    }
    HttpResponse r;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->body);
    r.route = route;
    r.headers.emplace_back("Content-Security-Policy", std::string(kPageCsp));
    return r;
  }

  Result<Principal> who = auth_.Authenticate(request.authorization);
  // 401 for callers not known; 403 for known callers who may not do this.
  auto deny = [&](std::string_view route) {
    HttpResponse r;
    if (who.ok() && who->authenticated) {
      r = ErrorResponse(PermissionDeniedError(who->IsCustomer() ? "a preference-center link reaches only its own record"
                                                                : "this key's scope does not allow this"));
    } else {
      r = ErrorResponse(who.ok() ? Status(StatusCode::kUnauthenticated, "this needs an API key: Authorization: Bearer KEY")
                                 : who.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
    }
    r.route = route;
    return r;
  };
  if (request.path == kRouteCheck || request.path == kRouteBatch) {
    const std::string_view route = request.path == kRouteCheck ? kRouteCheck : kRouteBatch;
    if (auto r = only("POST", route)) return *r;
    if (!who.ok() || !who->MayCheck()) return deny(route);
    HttpResponse r = route == kRouteCheck ? Check(request, *who) : CheckBatch(request, *who);
    r.route = route;
    return r;
  }
  if (request.path == kRouteChanges) {
    if (auto r = only("GET", kRouteChanges)) return *r;
    if (!who.ok() || !who->MayWrite()) return deny(kRouteChanges);
    // Resume where the client's last event left off, else from `after`.
    std::string from = request.last_event_id.empty() ? QueryParam(request.query, "after") : request.last_event_id;
    uint64_t after = 0;
    if (!from.empty()) {
      if (from.size() > 19 || from.find_first_not_of("0123456789") != std::string::npos) {
        HttpResponse r = ErrorResponse(InvalidArgumentError("`after` (or Last-Event-ID) must be a sequence number"));
        r.route = kRouteChanges;
        return r;
      }
      after = std::stoull(from);
    }
    HttpResponse r;
    r.route = kRouteChanges;
    r.stream_changes_after = after;
    return r;
  }
  if (request.path == kRouteSession) {
    if (auto r = only("GET", kRouteSession)) return *r;
    if (who.ok() && who->IsCustomer() && request.gpc) {
      if (Status s = engine_.RecordGpc(who->subject, WriterFor(*who)).status(); !s.ok()) return ErrorResponse(s);
    }
    if (!who.ok() || !who->IsCustomer()) {
      HttpResponse r = deny(kRouteSession);
      if (r.status == 401 && who.ok()) {
        r = ErrorResponse(UnauthenticatedError("this needs a preference-center link token: Authorization: Bearer TOKEN"));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
      } else if (r.status == 403) {
        r = ErrorResponse(PermissionDeniedError("only a preference-center link token has a session"));
      }
      r.route = kRouteSession;
      return r;
    }
    JsonWriter w;
    w.BeginObject().Key("subject").String(who->subject).Key("expires").String(FormatRfc3339(who->expires)).EndObject();
    return Json(std::move(w).Take(), kRouteSession);
  }
  std::vector<std::string_view> parts = Split(request.path);
  if (parts.size() == 3 && parts[0] == "v1" && parts[1] == "subjects") {
    if (auto bad = only("DELETE", kRouteSubject)) return *bad;
    if (!who.ok() || !who->authenticated) return deny(kRouteSubject);
    if (!who->IsAdmin()) {
      HttpResponse r = ErrorResponse(PermissionDeniedError("erasing a subject needs an `admin` key"));
      r.route = kRouteSubject;
      return r;
    }
    std::optional<std::string> subject = Decode(parts[2]);
    HttpResponse r = subject ? Erase(*subject, *who)
                             : ErrorResponse(InvalidArgumentError("the subject id in the path is not validly percent-encoded"));
    r.route = kRouteSubject;
    return r;
  }
  if (parts.size() >= 4 && parts[0] == "v1" && parts[1] == "subjects") {
    std::optional<std::string> subject = Decode(parts[2]);
    std::string_view route = parts.size() == 4 && parts[3] == "consents"  ? kRouteConsents
                             : parts.size() == 5 && parts[3] == "consents" ? kRouteConsent
                             : parts.size() == 4 && parts[3] == "history"  ? kRouteHistory
                             : parts.size() == 4 && parts[3] == "link"     ? kRouteLink
                             : parts.size() == 4 && parts[3] == "signals"  ? kRouteSignals
                             : parts.size() == 4 && parts[3] == "receipts" ? kRouteReceipts
                             : parts.size() == 4 && parts[3] == "export"   ? kRouteExport
                                                                           : std::string_view();
    if (!route.empty()) {
      if (!who.ok() || !who->authenticated) return deny(route);
      // Links and exports are for admins (and an export for the customer too).
      const bool allowed = route == kRouteLink     ? who->IsAdmin()
                           : route == kRouteExport ? who->IsAdmin() || (who->IsCustomer() && who->MayActFor(subject.value_or("")))
                                                   : who->MayActFor(subject.value_or(""));
      if (!allowed) {
        HttpResponse r = ErrorResponse(PermissionDeniedError(
            who->IsCustomer()  ? "this link opens another record"
            : route == kRouteLink ? "making a link needs an `admin` key"
            : route == kRouteExport ? "an export needs an `admin` key or the customer's own link"
                                  : "a `check` key may only decide; this needs `write` or `admin`"));
        r.route = route;
        return r;
      }
      // A request that acts for a subject and carries Sec-GPC: 1 is that
      // subject's browser (or the company's site relaying it) opting out.
      if (request.gpc && subject && ValidateSubjectId(*subject).ok() && route != kRouteLink) {
        if (Status s = engine_.RecordGpc(*subject, WriterFor(*who)).status(); !s.ok()) return ErrorResponse(s);
      }
      HttpResponse r;
      if (!subject) {
        r = ErrorResponse(InvalidArgumentError("the subject id in the path is not validly percent-encoded"));
      } else if (Status s = ValidateSubjectId(*subject); !s.ok()) {
        r = ErrorResponse(s);
      } else if (route == kRouteConsents) {
        if (m == "DELETE") {
          r = WithdrawAll(request, *subject, *who);
        } else if (m != "GET") {
          r = ErrorResponse(405, "method_not_allowed", "use GET to read, or DELETE to withdraw everything");
          r.headers.emplace_back("Allow", "GET, DELETE");
        } else {
          r = Consents(*subject, *who);
        }
      } else if (route == kRouteHistory) {
        if (auto bad = only("GET", route)) return *bad;
        r = History(*subject, *who);
      } else if (route == kRouteExport) {
        if (auto bad = only("GET", route)) return *bad;
        std::string locale;
        if (auto catalog = engine_.catalog()) {
          locale = PickLocale(*catalog, QueryParam(request.query, "locale"), request.accept_language);
        }
        const std::string format = QueryCount(request.query, "format") ? QueryParam(request.query, "format") : "json";
        Result<SubjectExport> data = engine_.Export(*subject, locale);
        if (format != "json" && format != "html") {
          r = ErrorResponse(InvalidArgumentError("`format` is `json` or `html`, not `" + format + "`"));
        } else if (!data.ok()) {
          r = ErrorResponse(data.status());
        } else if (format == "html") {
          r.content_type = "text/html; charset=utf-8";
          ExportPageOptions page;
          // The customer's own link: where their receipts can be checked.
          if (who->IsCustomer()) {
            if (Result<std::string_view> token = ParseBearer(request.authorization); token.ok()) {
              page.page_url = base_url_ + "/p/" + std::string(*token);
              page.page_expires = who->expires;
            }
          }
          r.body = ExportPage(*data, page);
          r.headers.emplace_back("Content-Security-Policy",
                                 "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
          r.headers.emplace_back("Content-Disposition", "attachment; filename=\"optin-export.html\"");
        } else {
          r = Json(ExportJson(*data), kRouteExport);
          r.headers.emplace_back("Content-Disposition", "attachment; filename=\"optin-export.json\"");
        }
      } else if (route == kRouteReceipts) {
        if (auto bad = only("GET", route)) return *bad;
        Result<std::string> receipts = ReceiptsArray(request, *subject, {});
        if (!receipts.ok()) {
          r = ErrorResponse(receipts.status());
        } else {
          JsonWriter w;
          w.BeginObject().Key("subject").String(*subject).Key("receipts").Raw(*receipts).EndObject();
          r = Json(std::move(w).Take(), kRouteReceipts);
        }
      } else if (route == kRouteLink) {
        if (auto bad = only("POST", route)) return *bad;
        r = Link(request, *subject);
      } else if (route == kRouteSignals) {
        if (m == "GET") {
          r = SubjectSignalsResponse(*subject);
        } else if (m == "POST") {
          r = Signals(request, *subject, *who);
        } else {
          r = ErrorResponse(405, "method_not_allowed", "use GET to read the subject's signals, or POST to record one");
          r.headers.emplace_back("Allow", "GET, POST");
        }
      } else {
        std::optional<std::string> purpose = Decode(parts[4]);
        if (m != "PUT" && m != "DELETE") {
          r = ErrorResponse(405, "method_not_allowed", "use PUT to grant or DELETE to withdraw");
          r.headers.emplace_back("Allow", "PUT, DELETE");
        } else if (!purpose) {
          r = ErrorResponse(InvalidArgumentError("the purpose in the path is not validly percent-encoded"));
        } else {
          r = Record(request, *subject, *purpose, *who);
        }
      }
      r.route = route;
      return r;
    }
  }
  HttpResponse r = ErrorResponse(404, "not_found", "no such endpoint: " + request.method + " " + request.path);
  r.route = "unmatched";
  return r;
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

HttpResponse Api::Log(const HttpRequest& request, std::string_view route) {
  // Event numbers and tree sizes: whole numbers from 1, each given once.
  auto number = [&](std::string_view name, bool required) -> Result<uint64_t> {
    const size_t given = QueryCount(request.query, name);
    if (given == 0 && !required) return uint64_t{0};
    if (given > 1) return InvalidArgumentError("the query gives `" + std::string(name) + "` more than once");
    const std::string text = QueryParam(request.query, name);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0) {
      return InvalidArgumentError("the query needs `" + std::string(name) + "`, a whole number from 1");
    }
    return v;
  };
  if (route == kRouteLogHead) {
    Result<SignedTreeHead> head = engine_.LogHead();
    if (!head.ok()) return ErrorResponse(head.status());
    return Json(TreeHeadToJson(*head), route);
  }
  if (route == kRouteLogKey) {
    Result<std::vector<LogPublicKey>> keys = engine_.LogKeys();
    if (!keys.ok()) return ErrorResponse(keys.status());
    return Json(LogKeysJson(*keys), route);
  }
  if (route == kRouteInclusion) {
    Result<uint64_t> seq = number("seq", true);
    if (!seq.ok()) return ErrorResponse(seq.status());
    Result<uint64_t> size = number("tree_size", false);
    if (!size.ok()) return ErrorResponse(size.status());
    Result<InclusionProof> proof = engine_.ProveInclusion(*seq, *size);
    if (!proof.ok()) return ErrorResponse(proof.status());
    return Json(InclusionProofToJson(*proof), route);
  }
  Result<uint64_t> from = number("from", true);
  if (!from.ok()) return ErrorResponse(from.status());
  Result<uint64_t> to = number("to", true);
  if (!to.ok()) return ErrorResponse(to.status());
  Result<ConsistencyProof> proof = engine_.ProveConsistency(*from, *to);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return Json(ConsistencyProofToJson(*proof), route);
}

HttpResponse Api::Health() {
  // Unhealthy once this node has not caught up with its store for 5 s, or
  // is stale: it still answers, but a load balancer should send traffic
  // elsewhere. A shorter blip (the database restarting) keeps it in, with
  // the error shown.
  const int64_t lag = engine_.lag();
  const std::string error = engine_.follow_error();
  const bool healthy = lag <= kUnhealthyLagMicros && !engine_.IsStale();
  JsonWriter w;
  w.BeginObject().Key("status").String(healthy ? "ok" : "unhealthy").Key("last_seq").Uint(engine_.last_seq());
  w.Key("lag_ms").Int(lag / 1000);
  if (!error.empty()) w.Key("error").String(error);
  w.EndObject();
  return Json(std::move(w).Take(), kRouteHealth, healthy ? 200 : 503);
}

HttpResponse Api::Purposes(const HttpRequest& request) {
  auto catalog = engine_.catalog();
  if (!catalog) {
    HttpResponse r = ErrorResponse(FailedPreconditionError("no catalog has been published yet"));
    r.route = kRoutePurposes;
    return r;
  }
  std::string locale = PickLocale(*catalog, QueryParam(request.query, "locale"), request.accept_language);
  HttpResponse r = Json(NoticesJson(*catalog, locale), kRoutePurposes);
  r.headers.emplace_back("Content-Language", locale);
  r.headers.emplace_back("Vary", "Accept-Language");
  return r;
}

HttpResponse Api::Check(const HttpRequest& request, const Principal&) {
  Result<simdjson::dom::element> doc = ParseBody(request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Result<std::string> subject = StringField(*doc, "subject", true);
  if (!subject.ok()) return ErrorResponse(subject.status());
  Result<std::string> purpose = StringField(*doc, "purpose", true);
  if (!purpose.ok()) return ErrorResponse(purpose.status());
  if (Status s = ValidateSubjectId(*subject); !s.ok()) return ErrorResponse(s);
  Decision d = engine_.Decide(*subject, *purpose);
  metrics_.CountDecision(d.reason);
  JsonWriter w;
  w.BeginObject();
  WriteDecisionFields(w, d);
  w.EndObject();
  return Json(std::move(w).Take(), kRouteCheck);
}

HttpResponse Api::CheckBatch(const HttpRequest& request, const Principal&) {
  Result<simdjson::dom::element> doc = ParseBody(request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  simdjson::dom::array checks;
  if ((*doc)["checks"].get(checks)) return ErrorResponse(InvalidArgumentError("the body needs `checks`: a list of {subject, purpose}"));
  if (checks.size() > kMaxBatchChecks) {
    return ErrorResponse(InvalidArgumentError("at most " + std::to_string(kMaxBatchChecks) + " checks per batch"));
  }
  const int64_t now = engine_.Now();
  JsonWriter w;
  w.BeginObject().Key("results").BeginArray();
  size_t i = 0;
  for (simdjson::dom::element item : checks) {
    std::string_view subject, purpose;
    if (!item.is_object() || item["subject"].get(subject) || item["purpose"].get(purpose)) {
      return ErrorResponse(InvalidArgumentError("checks[" + std::to_string(i) + "] needs string `subject` and `purpose`"));
    }
    if (Status s = ValidateSubjectId(subject); !s.ok()) {
      return ErrorResponse(InvalidArgumentError("checks[" + std::to_string(i) + "]: " + s.message()));
    }
    Decision d = engine_.DecideAt(subject, purpose, now);
    metrics_.CountDecision(d.reason);
    w.BeginObject();
    WriteDecisionFields(w, d);
    w.EndObject();
    ++i;
  }
  w.EndArray().EndObject();
  return Json(std::move(w).Take(), kRouteBatch);
}

HttpResponse Api::Consents(const std::string& subject, const Principal&) {
  return Json(DecisionsJson(subject, engine_.DecideAll(subject)), kRouteConsents);
}

WriteContext Api::WriterFor(const Principal& who) {
  WriteContext context;
  context.channel = who.IsCustomer() ? "web" : "api";
  context.actor = who.IsCustomer() ? "customer" : "key:" + who.name;
  return context;
}

// The `receipt` of a change that is recorded: the array's only element; when
// it could not be made (the store briefly unreachable), null and why, for the
// change stands and must not be reported as failed (GET …/receipts has it).
static void WriteReceipt(JsonWriter& w, const Result<std::string>& receipts) {
  if (!receipts.ok()) {
    w.Key("receipt").Null().Key("receipt_error").String(receipts.status().message());
    return;
  }
  w.Key("receipt").Raw(std::string_view(*receipts).substr(1, receipts->size() - 2));
}

Result<std::string> Api::ReceiptsArray(const HttpRequest& request, const std::string& subject,
                                       const std::vector<uint64_t>& seqs) {
  std::string locale;
  if (auto catalog = engine_.catalog()) {
    locale = PickLocale(*catalog, QueryParam(request.query, "locale"), request.accept_language);
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<std::string> receipts, engine_.Receipts(subject, seqs, locale));
  std::string out = "[";
  for (const std::string& r : receipts) out += (out.size() > 1 ? "," : "") + r;
  return out + "]";
}

HttpResponse Api::Erase(const std::string& subject, const Principal& who) {
  Result<Event> e = engine_.Erase(subject, WriterFor(who));
  if (!e.ok()) return ErrorResponse(e.status());
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("erased").Bool(true).Key("event").Uint(e->seq);
  w.Key("time").String(FormatRfc3339(e->time)).EndObject();
  return Json(std::move(w).Take(), kRouteSubject);
}

HttpResponse Api::Signals(const HttpRequest& request, const std::string& subject, const Principal& who) {
  Result<simdjson::dom::element> doc = ParseBody(request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  bool gpc = false;
  simdjson::dom::element v;
  if ((*doc)["gpc"].get(v) || v.get(gpc)) {
    return ErrorResponse(InvalidArgumentError("the body needs `gpc`: true or false"));
  }
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("gpc").Bool(gpc);
  // `false` is no signal at all: GPC never grants, so nothing is recorded.
  std::optional<Event> recorded;
  if (gpc) {
    Result<std::optional<Event>> r = engine_.RecordGpc(subject, WriterFor(who));
    if (!r.ok()) return ErrorResponse(r.status());
    recorded = std::move(*r);
  }
  w.Key("recorded").Bool(recorded.has_value()).Key("event");
  if (recorded) w.Uint(recorded->seq);
  else w.Null();
  if (recorded) WriteReceipt(w, ReceiptsArray(request, subject, {recorded->seq}));
  w.EndObject();
  return Json(std::move(w).Take(), kRouteSignals);
}

HttpResponse Api::SubjectSignalsResponse(const std::string& subject) {
  bool gpc = false;
  Result<SubjectSignals> signals = engine_.Signals(subject, &gpc);
  if (!signals.ok()) return ErrorResponse(signals.status());
  Result<std::string> json = SubjectSignalsToJson(subject, *signals, gpc);
  if (!json.ok()) return ErrorResponse(json.status());
  return Json(std::move(*json), kRouteSignals);
}

HttpResponse Api::WithdrawAll(const HttpRequest& request, const std::string& subject, const Principal& who) {
  WriteContext context = WriterFor(who);
  Result<std::vector<Event>> events = engine_.WithdrawAll(subject, context);
  if (!events.ok()) return ErrorResponse(events.status());
  std::vector<uint64_t> seqs;
  for (const Event& e : *events) seqs.push_back(e.seq);
  Result<std::string> receipts = ReceiptsArray(request, subject, seqs);
  std::string body = DecisionsJson(subject, engine_.DecideAll(subject));
  body.pop_back();  // the closing brace: the receipts join the same object
  if (!receipts.ok()) {
    // Recorded all the same: the change must not be reported as failed.
    JsonWriter error;
    error.String(receipts.status().message());
    return Json(body + ",\"receipts\":null,\"receipt_error\":" + std::move(error).Take() + "}", kRouteConsents);
  }
  return Json(body + ",\"receipts\":" + *receipts + "}", kRouteConsents);
}

HttpResponse Api::Record(const HttpRequest& request, const std::string& subject, const std::string& purpose,
                         const Principal& who) {
  const bool grant = request.method == "PUT";
  WriteContext context = WriterFor(who);
  context.gpc = request.gpc;
  if (!request.body.empty() || grant) {
    Result<simdjson::dom::element> doc = ParseBody(request.body);
    if (!doc.ok()) return ErrorResponse(doc.status());
    Result<std::string> notice = StringField(*doc, "notice", grant);
    if (!notice.ok()) return ErrorResponse(notice.status());
    Result<std::string> channel = StringField(*doc, "channel", false);
    if (!channel.ok()) return ErrorResponse(channel.status());
    if (!channel->empty() && *channel != context.channel) {
      if (!who.IsAdmin()) {
        return ErrorResponse(PermissionDeniedError("a `write` key records on the subject's behalf with channel `api`; "
                                                   "only an `admin` key may name another channel"));
      }
      context.channel = *channel;
    }
    context.notice = *notice;
    simdjson::dom::element ack;
    if (!(*doc)["gpc_conflict_acknowledged"].get(ack)) {
      bool yes = false;
      if (ack.get(yes)) return ErrorResponse(InvalidArgumentError("`gpc_conflict_acknowledged` must be true or false"));
      context.gpc_conflict_acknowledged = yes;
    }
  }
  std::vector<std::string> purposes = {purpose};
  Result<std::vector<Event>> events =
      grant ? engine_.Grant(subject, purposes, context) : engine_.Withdraw(subject, purposes, context);
  if (!events.ok()) return ErrorResponse(events.status());
  Decision d = engine_.Decide(subject, purpose);
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("purpose").String(purpose);
  WriteDecisionFields(w, d);
  const Event& e = events->front();
  w.Key("recorded").BeginObject().Key("seq").Uint(e.seq).Key("time").String(FormatRfc3339(e.time));
  w.Key("action").String(ActionName(e.action)).Key("notice").String(e.notice).Key("channel").String(e.channel);
  w.EndObject();
  WriteReceipt(w, ReceiptsArray(request, subject, {e.seq}));
  w.EndObject();
  return Json(std::move(w).Take(), kRouteConsent);
}

HttpResponse Api::Link(const HttpRequest& request, const std::string& subject) {
  std::string ttl_text = "P7D";
  if (!request.body.empty()) {
    Result<simdjson::dom::element> doc = ParseBody(request.body);
    if (!doc.ok()) return ErrorResponse(doc.status());
    Result<std::string> ttl = StringField(*doc, "ttl", false);
    if (!ttl.ok()) return ErrorResponse(ttl.status());
    if (!ttl->empty()) ttl_text = *ttl;
  }
  Result<std::string> link = MakeLink(engine_, subject, ttl_text, base_url_);
  if (!link.ok()) return ErrorResponse(link.status());
  return Json(*link, kRouteLink);
}

HttpResponse Api::History(const std::string& subject, const Principal&) {
  Result<std::vector<HistoryEntry>> history = engine_.History(subject);
  if (!history.ok()) return ErrorResponse(history.status());
  return Json(HistoryJson(subject, *history), kRouteHistory);
}

}  // namespace optin::server
