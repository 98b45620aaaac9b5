// One-click e-mail opt-out (RFC 8058): making the link, the page a person
// who opens it sees, and the POST that withdraws.
#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"
#include "src/server/unsubscribe_page.h"

namespace optin::server {
namespace {

// Whether `body` carries `List-Unsubscribe=One-Click` (RFC 8058 §3.1), as
// a form (`application/x-www-form-urlencoded`) or as `multipart/form-data`.
bool IsOneClick(std::string_view content_type, std::string_view body) {
  if (content_type.starts_with("multipart/form-data")) {
    const size_t name = body.find("name=\"List-Unsubscribe\"");
    const size_t value = name == std::string_view::npos ? name : body.find("\r\n\r\n", name);
    return value != std::string_view::npos && body.substr(value + 4).starts_with("One-Click\r\n");
  }
  while (!body.empty()) {
    const size_t amp = body.find('&');
    if (body.substr(0, amp) == "List-Unsubscribe=One-Click") return true;
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return false;
}

// A person's browser, which is answered with a page rather than JSON.
bool WantsPage(const HttpRequest& request) { return request.accept.find("text/html") != std::string::npos; }

HttpResponse Page(Services& s, const HttpRequest& request, UnsubscribePage page, std::string_view purpose,
                  int status = 200) {
  std::shared_ptr<const Catalog> catalog = s.engine.catalog();
  page.locale = RequestLocale(s.engine, request);
  if (catalog) {
    page.org = catalog->organization.name;
    const Purpose* p = catalog->FindPurpose(purpose);
    page.purpose_title = p ? TextIn(*catalog, p->title, page.locale) : std::string(purpose);
  }
  page.center_url = s.base_url + "/";
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = UnsubscribePageHtml(page);
  // The token in the address is never sent on nor cached: every answer of
  // the server says so (Referrer-Policy, Cache-Control; server.cc).
  r.headers.emplace_back("Content-Security-Policy", std::string(kUnsubscribePageCsp));
  return r;
}

// A token that is not genuine or has expired: 404 whichever, so that a
// guess learns nothing.
HttpResponse NoSuchLink(Services& s, const HttpRequest& request, const Status& why) {
  if (WantsPage(request)) return Page(s, request, {.state = UnsubscribePage::State::kInvalid}, "", 404);
  return ErrorResponse(404, "not_found", why.message());
}

}  // namespace

HttpResponse UnsubscribeLinkFor(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  std::string purpose, ttl(kDefaultUnsubscribeTtl);
  Status read = doc->ForEachMember([&](std::string_view key, const json::Value& v) -> Status {
    if (key != "purpose" && key != "ttl") return v.UnknownKey();
    OPTIN_ASSIGN_OR_RETURN(std::string text, v.String());
    (key == "purpose" ? purpose : ttl) = std::move(text);
    return OkStatus();
  });
  if (read.ok() && purpose.empty()) read = InvalidArgumentError("the body needs `purpose`: the one it withdraws");
  if (!read.ok()) return ErrorResponse(read);
  Result<UnsubscribeLink> link = s.engine.CreateUnsubscribeLink(call.subject, purpose, ttl, s.base_url);
  if (!link.ok()) return ErrorResponse(link.status());
  return Json(UnsubscribeLinkJson(*link));
}

HttpResponse UnsubscribeAsk(Services& s, const Call& call) {
  Result<UnsubscribeToken> token = s.engine.OpenUnsubscribeToken(call.rest);
  if (!token.ok()) return NoSuchLink(s, call.request, token.status());
  // Asking changes nothing: a link scanner that opens it withdraws nothing.
  UnsubscribePage page{.state = UnsubscribePage::State::kAsk};
  for (const PurposeDecision& d : s.engine.DecideAll(token->subject)) {
    if (d.purpose == token->purpose && !d.withdrawable) page.state = UnsubscribePage::State::kAlready;
  }
  return Page(s, call.request, page, token->purpose);
}

HttpResponse UnsubscribeOneClick(Services& s, const Call& call) {
  const HttpRequest& request = call.request;
  if (!IsOneClick(request.content_type, request.body)) {
    return ErrorResponse(InvalidArgumentError(
        "a one-click opt-out posts the form field `List-Unsubscribe=One-Click` (RFC 8058), as "
        "application/x-www-form-urlencoded or multipart/form-data"));
  }
  const bool page = WantsPage(request);
  Result<Unsubscribed> done =
      s.engine.Unsubscribe(call.rest, RequestLocale(s.engine, request),
                           page ? "the opt-out page's button" : "a one-click opt-out POST (RFC 8058)");
  if (!done.ok()) {
    if (done.status().code() == StatusCode::kUnauthenticated) return NoSuchLink(s, request, done.status());
    return ErrorResponse(done.status());
  }
  const int64_t time = done->recorded ? done->result.recorded.front().time : 0;
  if (page) {
    const auto state = done->recorded ? UnsubscribePage::State::kDone : UnsubscribePage::State::kAlready;
    return Page(s, request, {.state = state, .time = time}, done->purpose);
  }
  // The poster is often a mail provider: it learns that the opt-out took
  // effect, not whose it was (the receipt is the customer's, with their
  // record).
  JsonWriter w;
  w.BeginObject().Key("purpose").String(done->purpose).Key("withdrawn").Bool(true);
  w.Key("recorded").Bool(done->recorded).Key("time");
  if (done->recorded) w.String(FormatRfc3339(time));
  else w.Null();
  w.EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
