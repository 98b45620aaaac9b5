// Usage (docs/usage.md): who used a subject's data for what, on which days
// (the subject's own, for the preference center), and the checks that were
// denied, counted for the company.
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/request.h"

namespace optin::server {
namespace {

constexpr uint64_t kDefaultDeniedDays = 30;
constexpr uint64_t kMaxDeniedDays = 3660;

}  // namespace

HttpResponse SubjectUsage(Services& s, const Call& call) {
  Result<std::vector<UsageDays>> usage = s.engine.SubjectUsage(call.subject);
  if (!usage.ok()) return ErrorResponse(usage.status());
  std::shared_ptr<const Catalog> catalog = s.engine.catalog();
  return Json(UsageJson(call.subject, catalog.get(), *usage, RequestLocale(s.engine, call.request)));
}

HttpResponse DeniedChecks(Services& s, const Call& call) {
  Result<uint64_t> days = QueryNumber(call.request.query, "days", false);
  if (!days.ok()) return ErrorResponse(days.status());
  if (*days > kMaxDeniedDays) {
    return ErrorResponse(InvalidArgumentError("`days` may be at most " + std::to_string(kMaxDeniedDays)));
  }
  const int64_t since = DaysBack(s.engine.Now(), *days == 0 ? kDefaultDeniedDays : *days);
  Result<std::vector<DeniedCountRow>> denied = s.engine.DeniedChecks(since);
  if (!denied.ok()) return ErrorResponse(denied.status());
  return Json(DeniedChecksJson(since, *denied));
}

}  // namespace optin::server
