#include "src/server/authorize.h"

namespace optin::server {
namespace {

AccessDecision Allow() { return {true, OkStatus()}; }
AccessDecision Deny(Status why) { return {false, std::move(why)}; }

}  // namespace

AccessDecision Authorize(const Result<Principal>& who, Access access, std::string_view subject) {
  if (access == Access::kPublic) return Allow();
  if (!who.ok()) return Deny(who.status());
  if (!who->authenticated) {
    return Deny(UnauthenticatedError(access == Access::kCustomer
                                         ? "this needs a preference-center link token: Authorization: Bearer TOKEN"
                                         : "this needs an API key: Authorization: Bearer KEY"));
  }
  const bool own_record = who->IsCustomer() && who->subject == subject;
  switch (access) {
    case Access::kPublic:
      return Allow();
    case Access::kCustomer:
      if (who->IsCustomer()) return Allow();
      return Deny(PermissionDeniedError("only a preference-center link token has a session"));
    case Access::kSubject:
      if (who->MayWrite() || own_record) return Allow();
      break;
    case Access::kSubjectExport:
      if (who->IsAdmin() || own_record) return Allow();
      if (who->IsKey()) return Deny(PermissionDeniedError("an export needs an `admin` key or the customer's own link"));
      break;
    case Access::kCheck:
      if (who->MayCheck()) return Allow();
      break;
    case Access::kWrite:
      if (who->MayWrite()) return Allow();
      break;
    case Access::kAdmin:
      if (who->IsAdmin()) return Allow();
      return Deny(PermissionDeniedError("this needs an `admin` key"));
    case Access::kRecipient:
      if (who->IsAdmin() || who->IsRecipient(subject)) return Allow();
      return Deny(PermissionDeniedError("this needs the key of recipient `" + std::string(subject) +
                                        "` (scope `recipient:" + std::string(subject) + "`) or an `admin` key"));
  }
  if (who->IsCustomer()) {
    const bool about_a_subject = access == Access::kSubject || access == Access::kSubjectExport;
    return Deny(PermissionDeniedError(about_a_subject ? "this link opens another record"
                                                      : "a preference-center link reaches only its own record"));
  }
  return Deny(PermissionDeniedError("a `check` key may only decide; this needs `write` or `admin`"));
}

Result<std::string> RecordingChannel(const Principal& who, std::string_view requested) {
  const std::string own = who.IsCustomer() ? "web" : "api";
  if (requested.empty() || requested == own) return own;
  if (who.IsAdmin()) return std::string(requested);
  return PermissionDeniedError(std::string(who.IsCustomer()
                                               ? "a link records the customer's own choices with channel `web`"
                                               : "a `write` key records on the subject's behalf with channel `api`") +
                               "; only an `admin` key may name another channel");
}

}  // namespace optin::server
