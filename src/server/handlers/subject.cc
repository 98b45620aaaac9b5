// A subject's record beyond their consents: generated signals and recorded
// GPC, receipts, the export, preference-center links and erasure.
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/export_page.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"
#include "src/server/request.h"

namespace optin::server {

HttpResponse SubjectSignals(Services& s, const Call& call) {
  bool gpc = false;
  Result<optin::SubjectSignals> signals = s.engine.Signals(call.subject, &gpc);
  if (!signals.ok()) return ErrorResponse(signals.status());
  Result<std::string> json = SubjectSignalsToJson(call.subject, *signals, gpc);
  if (!json.ok()) return ErrorResponse(json.status());
  return Json(std::move(*json));
}

HttpResponse RecordSignal(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Result<bool> given = json::Read(*doc, "gpc", &json::Value::Bool);
  if (!given.ok()) return ErrorResponse(InvalidArgumentError("the body needs `gpc`: true or false"));
  const bool gpc = *given;
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("gpc").Bool(gpc);
  // `false` is no signal at all: GPC never grants, so nothing is recorded.
  if (!gpc) {
    w.Key("recorded").Bool(false).Key("event").Null().EndObject();
    return Json(std::move(w).Take());
  }
  Choice choice{.action = Action::kSignal, .purposes = {}, .locale = RequestLocale(s.engine, call.request)};
  Result<ChoiceResult> result = s.engine.Choose(call.subject, choice, WriterFor(call.who));
  if (!result.ok()) return ErrorResponse(result.status());
  // A repeated signal records nothing (and has no receipt).
  const bool recorded = !result->recorded.empty();
  w.Key("recorded").Bool(recorded).Key("event");
  if (recorded) w.Uint(result->recorded.front().seq);
  else w.Null();
  if (recorded) WriteReceipt(w, result->receipts, result->receipt_error);
  w.EndObject();
  return Json(std::move(w).Take());
}

HttpResponse Receipts(Services& s, const Call& call) {
  Result<std::vector<std::string>> receipts =
      s.engine.Receipts(call.subject, {}, RequestLocale(s.engine, call.request));
  if (!receipts.ok()) return ErrorResponse(receipts.status());
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject);
  WriteReceipts(w, *receipts, "");
  w.EndObject();
  return Json(std::move(w).Take());
}

HttpResponse Export(Services& s, const Call& call) {
  const HttpRequest& request = call.request;
  const std::string format = QueryCount(request.query, "format") ? QueryParam(request.query, "format") : "json";
  if (format != "json" && format != "html") {
    return ErrorResponse(InvalidArgumentError("`format` is `json` or `html`, not `" + format + "`"));
  }
  Result<SubjectExport> data = s.engine.Export(call.subject, RequestLocale(s.engine, request));
  if (!data.ok()) return ErrorResponse(data.status());
  if (format == "json") {
    HttpResponse r = Json(ExportJson(*data));
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"optin-export.json\"");
    return r;
  }
  ExportPageOptions page;
  // The customer's own link: where their receipts can be checked.
  if (call.who.IsCustomer()) {
    if (Result<std::string_view> token = ParseBearer(request.authorization); token.ok()) {
      page.page_url = PreferenceLinkUrl(s.base_url, *token);
      page.page_expires = call.who.expires;
    }
  }
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = ExportPage(*data, page);
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"optin-export.html\"");
  return r;
}

HttpResponse Link(Services& s, const Call& call) {
  std::string ttl(kDefaultLinkTtl);
  if (!call.request.body.empty()) {
    Result<json::Value> doc = ParseBody(call.request.body);
    if (!doc.ok()) return ErrorResponse(doc.status());
    Result<std::optional<std::string>> given = json::ReadIfPresent(*doc, "ttl", &json::Value::String);
    if (!given.ok()) return ErrorResponse(given.status());
    if (*given && !(*given)->empty()) ttl = **given;
  }
  Result<PreferenceLink> link = s.engine.CreateLink(call.subject, ttl, s.base_url);
  if (!link.ok()) return ErrorResponse(link.status());
  return Json(LinkJson(*link));
}

HttpResponse Erase(Services& s, const Call& call) {
  Result<Recorded> e = s.engine.Erase(call.subject, WriterFor(call.who));
  if (!e.ok()) return ErrorResponse(e.status());
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("erased").Bool(true).Key("event").Uint(e->seq);
  w.Key("time").String(FormatRfc3339(e->time)).EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
