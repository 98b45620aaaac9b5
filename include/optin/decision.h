// File: optin/decision.h
//
// A Decision answers "may this subject's data be used for this purpose now?".
// It always carries a reason and the ledger event it rests on. Anything
// unclear is a deny.
#ifndef OPTIN_DECISION_H_
#define OPTIN_DECISION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace optin {

enum class Reason : uint8_t {
  kGranted,         // allowed: the subject's latest word is a grant of the notice in force
  kNecessary,       // allowed: the purpose's basis is `necessary`
  kNoConsent,       // denied: the subject never said yes (or is unknown)
  kWithdrawn,       // denied: the subject's latest word is a withdrawal
  kNoticeChanged,   // denied: the notice changed materially since the grant
  kExpired,         // denied: the grant is older than the purpose's `expires`
  kGpcOptOut,       // denied: a Global Privacy Control opt-out applies
  kUnknownPurpose,  // denied: no such purpose in the catalog in force
  kStale,           // denied: this node has not heard from its shared store for too long
  // denied: the check names a recipient the purpose's notice does not name
  // (Engine::Check): the customer was not told their data goes there.
  kRecipientNotDeclared,
};
inline constexpr size_t kReasonCount = static_cast<size_t>(Reason::kRecipientNotDeclared) + 1;

// The stable wire name, e.g. "notice_changed".
std::string_view ReasonName(Reason reason);
std::optional<Reason> ParseReason(std::string_view name);

struct Decision {
  bool allowed = false;
  Reason reason = Reason::kNoConsent;
  // Sequence number of the ledger event the decision rests on: the grant or
  // withdrawal, or for a purpose decided by the catalog alone (necessary,
  // unknown, a lapsed notice) the publication in force; 0 when there is
  // none (no catalog yet, or a subject with no event for the purpose).
  uint64_t event = 0;
  bool operator==(const Decision&) const = default;
};

}  // namespace optin

#endif  // OPTIN_DECISION_H_
