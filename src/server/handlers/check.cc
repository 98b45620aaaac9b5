// POST /v1/check and /v1/check/batch: decisions.
#include "src/common/json_writer.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"

namespace optin::server {
namespace {

// The `subject` and `purpose` of one check, read without making a Status:
// false when either is missing or not a string (CheckError says which).
inline bool FindCheck(const json::Value& check, std::string_view& subject, std::string_view& purpose) {
  std::optional<std::string_view> s = check.FindText("subject"), p = check.FindText("purpose");
  if (!s || !p) return false;
  subject = *s;
  purpose = *p;
  return true;
}

// What is wrong with a check FindCheck refused, in the reader's words.
Status CheckError(const json::Value& check) {
  OPTIN_RETURN_IF_ERROR(json::Read(check, "subject", &json::Value::Text).status());
  return json::Read(check, "purpose", &json::Value::Text).status();
}

}  // namespace

HttpResponse Check(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  std::string_view subject, purpose;
  if (!FindCheck(*doc, subject, purpose)) return ErrorResponse(CheckError(*doc));
  if (Status v = ValidateSubjectId(subject); !v.ok()) return ErrorResponse(v);
  Decision d = s.engine.Decide(subject, purpose);
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
    std::string_view subject, purpose;
    if (!FindCheck(item, subject, purpose)) return CheckError(item);
    if (Status v = ValidateSubjectId(subject); !v.ok()) {
      return InvalidArgumentError(item.path() + ": " + v.message());
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
