#include "optin/decision.h"

#include <array>

namespace optin {
namespace {

// DO NOT CHANGE: reason names are part of the CLI and API contract.
constexpr std::array<std::string_view, kReasonCount> kReasonNames = {
    "granted", "necessary", "no_consent", "withdrawn", "notice_changed", "expired", "gpc_opt_out", "unknown_purpose",
    "stale", "recipient_not_declared",
};

}  // namespace

std::string_view ReasonName(Reason reason) { return kReasonNames[static_cast<size_t>(reason)]; }

std::optional<Reason> ParseReason(std::string_view name) {
  for (size_t i = 0; i < kReasonNames.size(); ++i) {
    if (kReasonNames[i] == name) return static_cast<Reason>(i);
  }
  return std::nullopt;
}

}  // namespace optin
