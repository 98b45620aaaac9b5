// POST /v1/check and /v1/check/batch: decisions, for the company or for a
// recipient using the data, noted as usage (docs/usage.md).
#include <string_view>
#include <vector>

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

// Who uses the data `check` asks about: a recipient's key speaks for its
// recipient alone (a check naming another is refused); otherwise the
// check's `recipient`, which must be a recipient of the catalog in force;
// none: the company itself.
class Users {
 public:
  Users(Engine& engine, const Principal& who) : engine_(engine), who_(who) {}

  Result<std::string_view> Of(const json::Value& check) {
    std::optional<json::Value> named = check.Find("recipient");
    if (!named) {
      if (who_.IsKey() && who_.scope == Scope::kRecipient) return std::string_view(who_.recipient);
      return std::string_view();
    }
    OPTIN_ASSIGN_OR_RETURN(std::string_view id, json::Read(check, "recipient", &json::Value::Text));
    if (who_.scope == Scope::kRecipient && id != who_.recipient) {
      return Status(StatusCode::kPermissionDenied,
                    "this key checks for recipient `" + who_.recipient + "` only, not `" + std::string(id) + "`",
                    "recipient_mismatch");
    }
    if (!catalog_) catalog_ = engine_.catalog();
    if (catalog_ && catalog_->FindRecipient(id)) return id;
    const std::string where = check.path().empty() ? "recipient" : check.path() + ".recipient";
    return Status(StatusCode::kInvalidArgument,
                  "`" + where + "`: " + (catalog_ ? UnknownRecipient(*catalog_, id) : "no catalog is in force"),
                  "unknown_recipient");
  }

 private:
  Engine& engine_;
  const Principal& who_;
  std::shared_ptr<const Catalog> catalog_;
};

}  // namespace

HttpResponse Check(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  std::string_view subject, purpose;
  if (!FindCheck(*doc, subject, purpose)) return ErrorResponse(CheckError(*doc));
  if (Status v = ValidateSubjectId(subject); !v.ok()) return ErrorResponse(v);
  Users users(s.engine, call.who);
  Result<std::string_view> recipient = users.Of(*doc);
  if (!recipient.ok()) return ErrorResponse(recipient.status());
  Decision d = s.engine.Check(subject, purpose, *recipient);
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
  // Every check is read before any is decided, so that a refused batch
  // notes no usage; then all are decided at the same instant. The views
  // point into the parsed body.
  struct One {
    std::string_view subject, purpose, recipient;
  };
  std::vector<One> batch;
  batch.reserve(checks->ListSize().value_or(0));
  Users users(s.engine, call.who);
  Status read = checks->ForEachItem([&](const json::Value& item) -> Status {
    One c;
    if (!FindCheck(item, c.subject, c.purpose)) return CheckError(item);
    if (Status v = ValidateSubjectId(c.subject); !v.ok()) {
      return InvalidArgumentError(item.path() + ": " + v.message());
    }
    OPTIN_ASSIGN_OR_RETURN(c.recipient, users.Of(item));
    batch.push_back(c);
    return OkStatus();
  });
  if (!read.ok()) return ErrorResponse(read);
  const int64_t now = s.engine.Now();
  JsonWriter w;
  w.BeginObject().Key("results").BeginArray();
  for (const One& c : batch) {
    Decision d = s.engine.CheckAt(c.subject, c.purpose, c.recipient, now);
    s.metrics.CountDecision(d.reason);
    w.BeginObject();
    WriteDecisionFields(w, d);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
