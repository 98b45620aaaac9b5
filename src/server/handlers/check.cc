// POST /v1/check and /v1/check/batch: decisions.
#include "src/common/json_writer.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"

namespace optin::server {

HttpResponse Check(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Result<std::string_view> subject = json::Read(*doc, "subject", &json::Value::Text);
  if (!subject.ok()) return ErrorResponse(subject.status());
  Result<std::string_view> purpose = json::Read(*doc, "purpose", &json::Value::Text);
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
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  std::optional<json::Value> checks = doc->Find("checks");
  if (!checks || !checks->IsArray()) {
    return ErrorResponse(InvalidArgumentError("the body needs `checks`: a list of {subject, purpose}"));
  }
  if (checks->ListSize() > kMaxBatchChecks) {
    return ErrorResponse(InvalidArgumentError("at most " + std::to_string(kMaxBatchChecks) + " checks per batch"));
  }
  // Every check of a batch is decided at the same instant.
  const int64_t now = s.engine.Now();
  JsonWriter w;
  w.BeginObject().Key("results").BeginArray();
  Status read = checks->ForEachItem([&](const json::Value& item) -> Status {
    OPTIN_ASSIGN_OR_RETURN(std::string_view subject, json::Read(item, "subject", &json::Value::Text));
    OPTIN_ASSIGN_OR_RETURN(std::string_view purpose, json::Read(item, "purpose", &json::Value::Text));
    if (Status v = ValidateSubjectId(subject); !v.ok()) {
      return InvalidArgumentError(std::string(item.path()) + ": " + v.message());
    }
    Decision d = s.engine.DecideAt(subject, purpose, now);
    s.metrics.CountDecision(d.reason);
    w.BeginObject();
    WriteDecisionFields(w, d);
    w.EndObject();
    return OkStatus();
  });
  if (!read.ok()) return ErrorResponse(read);
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
