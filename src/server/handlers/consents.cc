// A subject's consents: every decision, opt-in and opt-out of one purpose,
// withdrawing everything, and the history of their events.
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"

namespace optin::server {
namespace {

// Opt-in (PUT) or opt-out (DELETE) of the path's purpose.
HttpResponse Record(Services& s, const Call& call, bool grant) {
  const HttpRequest& request = call.request;
  WriteContext context = WriterFor(call.who);
  context.gpc = request.gpc;
  if (!request.body.empty() || grant) {
    Result<json::Value> doc = ParseBody(request.body);
    if (!doc.ok()) return ErrorResponse(doc.status());
    Result<std::optional<std::string>> notice = json::ReadIfPresent(*doc, "notice", &json::Value::String);
    if (!notice.ok()) return ErrorResponse(notice.status());
    if (grant && !*notice) return ErrorResponse(InvalidArgumentError("the body needs `notice`"));
    Result<std::optional<std::string>> channel = json::ReadIfPresent(*doc, "channel", &json::Value::String);
    if (!channel.ok()) return ErrorResponse(channel.status());
    if (*channel && !(*channel)->empty() && **channel != context.channel) {
      if (!call.who.IsAdmin()) {
        return ErrorResponse(PermissionDeniedError("a `write` key records on the subject's behalf with channel `api`; "
                                                   "only an `admin` key may name another channel"));
      }
      context.channel = **channel;
    }
    context.notice = notice->value_or("");
    Result<std::optional<bool>> ack = json::ReadIfPresent(*doc, "gpc_conflict_acknowledged", &json::Value::Bool);
    if (!ack.ok()) return ErrorResponse(ack.status());
    context.gpc_conflict_acknowledged = ack->value_or(false);
  }
  Choice choice{.action = grant ? Action::kGrant : Action::kWithdraw, .purposes = {call.purpose},
                .locale = RequestLocale(s.engine, request)};
  Result<ChoiceResult> result = s.engine.Choose(call.subject, choice, context);
  if (!result.ok()) return ErrorResponse(result.status());
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject);
  WritePurposeDecisionFields(w, result->decisions.front());
  const Recorded& e = result->recorded.front();
  w.Key("recorded").BeginObject().Key("seq").Uint(e.seq).Key("time").String(FormatRfc3339(e.time));
  w.Key("action").String(ActionName(e.action)).Key("notice").String(e.notice).Key("channel").String(e.channel);
  w.EndObject();
  WriteReceipt(w, result->receipts, result->receipt_error);
  w.EndObject();
  return Json(std::move(w).Take());
}

}  // namespace

HttpResponse Consents(Services& s, const Call& call) {
  return Json(DecisionsJson(call.subject, s.engine.DecideAll(call.subject)));
}

HttpResponse Grant(Services& s, const Call& call) { return Record(s, call, true); }
HttpResponse Withdraw(Services& s, const Call& call) { return Record(s, call, false); }

HttpResponse WithdrawAll(Services& s, const Call& call) {
  WriteContext context = WriterFor(call.who);
  context.gpc = call.request.gpc;
  Choice choice{.action = Action::kWithdraw, .purposes = {}, .locale = RequestLocale(s.engine, call.request)};
  Result<ChoiceResult> result = s.engine.Choose(call.subject, choice, context);
  if (!result.ok()) return ErrorResponse(result.status());
  std::string body = DecisionsJson(call.subject, result->decisions);
  body.pop_back();  // the closing brace: the receipts join the same object
  if (!result->receipt_error.empty()) {
    // Recorded all the same: the change must not be reported as failed.
    JsonWriter error;
    error.String(result->receipt_error);
    return Json(body + ",\"receipts\":null,\"receipt_error\":" + std::move(error).Take() + "}");
  }
  std::string receipts = "[";
  for (const std::string& r : result->receipts) receipts += (receipts.size() > 1 ? "," : "") + r;
  return Json(body + ",\"receipts\":" + receipts + "]}");
}

HttpResponse History(Services& s, const Call& call) {
  Result<std::vector<HistoryEntry>> history = s.engine.History(call.subject);
  if (!history.ok()) return ErrorResponse(history.status());
  return Json(HistoryJson(call.subject, *history));
}

}  // namespace optin::server
