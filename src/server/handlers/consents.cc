// A subject's consents: every decision, opt-in and opt-out of one purpose,
// withdrawing everything, and the history of their events.
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/authorize.h"
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
    Result<std::string> recorded_as = RecordingChannel(call.who, channel->value_or(""));
    if (!recorded_as.ok()) return ErrorResponse(recorded_as.status());
    context.channel = *std::move(recorded_as);
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
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("purposes").BeginArray();
  for (const PurposeDecision& d : result->decisions) WritePurposeDecision(w, d);
  w.EndArray();
  // Recorded all the same when the receipts could not be made: the change
  // must not be reported as failed.
  WriteReceipts(w, result->receipts, result->receipt_error);
  w.EndObject();
  return Json(std::move(w).Take());
}

HttpResponse History(Services& s, const Call& call) {
  Result<std::vector<HistoryEntry>> history = s.engine.History(call.subject);
  if (!history.ok()) return ErrorResponse(history.status());
  return Json(HistoryJson(call.subject, *history));
}

}  // namespace optin::server
