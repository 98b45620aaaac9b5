// The service itself: health and metrics, the notices in force, the GPC
// well-known file, the change feed, the customer's session, and the
// preference center's page and files.
#include "src/catalog/notices_json.h"
#include "src/common/time.h"
#include "src/server/handlers/handlers.h"
#include "src/server/openapi.h"
#include "src/server/request.h"
#include "src/server/web_assets.h"

namespace optin::server {
namespace {

// A node that has not caught up with its store for this long reports itself
// unhealthy (it follows every sync interval, 200 ms by default).
constexpr int64_t kUnhealthyLagMicros = 5'000'000;

// The preference center's page: scripts and styles from this server only,
// never inline; nothing may frame it; forms go nowhere.
constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse Asset(std::string_view name) {
  const WebAsset* asset = FindWebAsset(name);
  if (!asset) return ErrorResponse(404, "not_found", "no such file");
  HttpResponse r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  r.headers.emplace_back("Content-Security-Policy", std::string(kPageCsp));
  return r;
}

}  // namespace

HttpResponse Health(Services& s, const Call&) {
  // Unhealthy once this node has not caught up with its store for 5 s, or
  // is stale: it still answers, but a load balancer should send traffic
  // elsewhere. A shorter blip (the database restarting) keeps it in, with
  // the error shown.
  const int64_t lag = s.engine.lag();
  const std::string error = s.engine.follow_error();
  const bool healthy = lag <= kUnhealthyLagMicros && !s.engine.IsStale();
  JsonWriter w;
  w.BeginObject().Key("status").String(healthy ? "ok" : "unhealthy").Key("last_seq").Uint(s.engine.last_seq());
  w.Key("lag_ms").Int(lag / 1000);
  if (!error.empty()) w.Key("error").String(error);
  // Recipients late to confirm are the company's finding, not this node's
  // fault: shown, without making the node unhealthy.
  if (Result<std::vector<RecipientStatus>> recipients = s.engine.RecipientsStatus(); recipients.ok()) {
    size_t overdue = 0;
    for (const RecipientStatus& r : *recipients) overdue += r.overdue;
    if (!recipients->empty()) w.Key("recipients_overdue").Uint(overdue);
  }
  w.EndObject();
  return Json(std::move(w).Take(), healthy ? 200 : 503);
}

HttpResponse MetricsText(Services& s, const Call&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = s.metrics.Render(s.engine.last_seq(), s.engine.subject_count(), static_cast<double>(s.engine.lag()) / 1e6);
  if (Result<std::vector<RecipientStatus>> recipients = s.engine.RecipientsStatus(); recipients.ok()) {
    r.body += RecipientMetrics(*recipients);
  }
  return r;
}

HttpResponse OpenApiDocument(Services&, const Call&) {
  // Made from the route table once: it does not change while serving.
  static const Result<std::string> document = OpenApiJson();
  if (!document.ok()) return ErrorResponse(document.status());
  return Json(*document);
}

HttpResponse Purposes(Services& s, const Call& call) {
  auto catalog = s.engine.catalog();
  if (!catalog) return ErrorResponse(FailedPreconditionError("no catalog has been published yet"));
  const std::string locale = RequestLocale(s.engine, call.request);
  HttpResponse r = Json(NoticesJson(*catalog, locale));
  r.headers.emplace_back("Content-Language", locale);
  r.headers.emplace_back("Vary", "Accept-Language");
  return r;
}

HttpResponse GpcJson(Services& s, const Call&) {
  // The site honours Global Privacy Control (W3C GPC §3.3).
  // `lastUpdate` (optional): the day the notices in force were published.
  JsonWriter w;
  w.BeginObject().Key("gpc").Bool(true);
  if (Result<std::vector<PublicationRecord>> pubs = s.engine.Publications(); pubs.ok() && !pubs->empty()) {
    w.Key("lastUpdate").String(FormatRfc3339(pubs->back().time).substr(0, 10));
  }
  w.EndObject();
  return Json(std::move(w).Take());
}

HttpResponse Changes(Services&, const Call& call) {
  // Resume where the client's last event left off, else from `after`.
  const HttpRequest& request = call.request;
  std::string from = request.last_event_id.empty() ? QueryParam(request.query, "after") : request.last_event_id;
  uint64_t after = 0;
  if (!from.empty()) {
    if (from.size() > 19 || from.find_first_not_of("0123456789") != std::string::npos) {
      return ErrorResponse(InvalidArgumentError("`after` (or Last-Event-ID) must be a sequence number"));
    }
    after = std::stoull(from);
  }
  // The server (server.cc) keeps the connection open and streams from here.
  HttpResponse r;
  r.stream_changes_after = after;
  return r;
}

HttpResponse Session(Services&, const Call& call) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("expires").String(FormatRfc3339(call.who.expires)).EndObject();
  return Json(std::move(w).Take());
}

// The page is the same for every token, and `/` without one explains that a
// link is needed: its script reads the token from the address and sends it
// as a bearer token, never as a cookie, so no other site can make a
// customer's browser act (no CSRF).
HttpResponse Page(Services&, const Call&) { return Asset("index.html"); }

HttpResponse StaticFile(Services&, const Call& call) { return Asset(call.rest); }

}  // namespace optin::server
