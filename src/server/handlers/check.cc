// POST /v1/check and /v1/check/batch: decisions.
#include "src/common/json_writer.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"

namespace optin::server {

HttpResponse Check(Services& s, const Call& call) {
  Result<simdjson::dom::element> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Result<std::string> subject = StringField(*doc, "subject", true);
  if (!subject.ok()) return ErrorResponse(subject.status());
  Result<std::string> purpose = StringField(*doc, "purpose", true);
  if (!purpose.ok()) return ErrorResponse(purpose.status());
  if (Status v = ValidateSubjectId(*subject); !v.ok()) return ErrorResponse(v);
  Decision d = s.engine.Decide(*subject, *purpose);
  s.metrics.CountDecision(d.reason);
  JsonWriter w;
  w.BeginObject();
  WriteDecisionFields(w, d);
  w.EndObject();
  return Json(std::move(w).Take());
}

HttpResponse CheckBatch(Services& s, const Call& call) {
  Result<simdjson::dom::element> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  simdjson::dom::array checks;
  if ((*doc)["checks"].get(checks)) {
    return ErrorResponse(InvalidArgumentError("the body needs `checks`: a list of {subject, purpose}"));
  }
  if (checks.size() > kMaxBatchChecks) {
    return ErrorResponse(InvalidArgumentError("at most " + std::to_string(kMaxBatchChecks) + " checks per batch"));
  }
  // Every check of a batch is decided at the same instant.
  const int64_t now = s.engine.Now();
  JsonWriter w;
  w.BeginObject().Key("results").BeginArray();
  size_t i = 0;
  for (simdjson::dom::element item : checks) {
    std::string_view subject, purpose;
    if (!item.is_object() || item["subject"].get(subject) || item["purpose"].get(purpose)) {
      return ErrorResponse(InvalidArgumentError("checks[" + std::to_string(i) + "] needs string `subject` and `purpose`"));
    }
    if (Status v = ValidateSubjectId(subject); !v.ok()) {
      return ErrorResponse(InvalidArgumentError("checks[" + std::to_string(i) + "]: " + v.message()));
    }
    Decision d = s.engine.DecideAt(subject, purpose, now);
    s.metrics.CountDecision(d.reason);
    w.BeginObject();
    WriteDecisionFields(w, d);
    w.EndObject();
    ++i;
  }
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
