// `optin usage`: who used a customer's data for what, on which days, and the
// checks that were denied (docs/usage.md).
#include <iostream>

#include "src/catalog/locale.h"
#include "src/cli/cli.h"
#include "src/engine/wire_json.h"

namespace optin::cli {
namespace {

constexpr int kMaxDeniedDays = 3660;

}  // namespace

CommandResult RunUsageShow(const Globals& g, const std::string& subject, const std::string& locale, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::vector<UsageDays> usage, engine->SubjectUsage(subject));
  std::shared_ptr<const Catalog> catalog = engine->catalog();
  const std::string shown = catalog ? PickLocale(*catalog, locale) : "";
  if (json) {
    std::cout << UsageJson(subject, catalog.get(), usage, shown) << "\n";
    return kExitOk;
  }
  if (usage.empty()) std::cout << "no use of " << subject << "'s data is kept\n";
  for (const UsageDays& u : usage) {
    std::cout << u.purpose << " by " << (u.recipient.empty() ? "the company" : u.recipient) << ": " << u.days.size()
              << (u.days.size() == 1 ? " day" : " days") << ", " << DayText(u.days.front());
    if (u.days.size() > 1) std::cout << " to " << DayText(u.days.back());
    std::cout << "\n";
  }
  return kExitOk;
}

CommandResult RunUsageDenied(const Globals& g, int days, bool json) {
  if (days < 1 || days > kMaxDeniedDays) {
    return InvalidArgumentError("--days must be between 1 and " + std::to_string(kMaxDeniedDays));
  }
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  const int64_t since = DaysBack(engine->Now(), static_cast<uint64_t>(days));
  OPTIN_ASSIGN_OR_RETURN(std::vector<DeniedCountRow> denied, engine->DeniedChecks(since));
  if (json) {
    std::cout << DeniedChecksJson(since, denied) << "\n";
    return kExitOk;
  }
  if (denied.empty()) std::cout << "no check was denied in the last " << days << (days == 1 ? " day" : " days") << "\n";
  for (const DeniedCountRow& d : denied) {
    std::cout << DayText(d.day) << " " << (d.purpose.empty() ? "(unknown purpose)" : d.purpose) << " by "
              << (d.recipient.empty() ? "the company" : d.recipient) << ": " << d.count << " denied " << d.reason
              << "\n";
  }
  return kExitOk;
}

}  // namespace optin::cli
