// Visitors over time: the account a signed-in visitor is linked to, and the
// erasure of visitors whose record lapsed (docs/embed.md, "Visitors").
#include <algorithm>
#include <unordered_map>

#include "src/common/time.h"
#include "src/embed/embed.h"

namespace optin::embed {
namespace {

// DO NOT CHANGE: what the visitor cookie of a linked browser starts with.
constexpr std::string_view kAccountPrefix = "account.";
// A visitor's record lives this long after its last event when its property
// is no longer in the catalog.
constexpr std::string_view kDefaultRetention = "P1Y1M";
// Events read per batch of a sweep (a batch's changes are held at once).
constexpr size_t kSweepBatch = 1'000;

int64_t RetentionEnd(int64_t last, std::string_view retention) {
  Result<IsoDuration> d = ParseIsoDuration(retention);
  return AddDuration(last, d.ok() ? *d : *ParseIsoDuration(kDefaultRetention));
}

}  // namespace

std::optional<std::string> CookieSubject(const Engine& engine, std::string_view cookie, std::string_view property) {
  if (IsVisitorId(cookie, property)) return std::string(cookie);
  if (!cookie.starts_with(kAccountPrefix)) return std::nullopt;
  Result<LinkToken> token = engine.OpenLinkToken(cookie.substr(kAccountPrefix.size()));
  if (!token.ok()) return std::nullopt;
  return token->subject;
}

Result<LinkedVisitor> LinkVisitor(Engine& engine, const Catalog& catalog, const Property& property,
                                  std::string_view visitor, std::string_view account) {
  if (!IsVisitorId(visitor, property.id)) {
    return InvalidArgumentError("`" + std::string(visitor) + "` is not a visitor id of property `" + property.id +
                                "` (the value of its `optin_vid` cookie)");
  }
  if (IsVisitorId(account)) return InvalidArgumentError("the account to link to is a visitor id itself");
  const int64_t now = engine.Now();
  const int64_t max_age = std::min(VisitorRetentionSeconds(property, now), kMaxLinkTtlMicros / 1'000'000);
  OPTIN_ASSIGN_OR_RETURN(std::string token, engine.CreateLinkToken(account, max_age * 1'000'000));
  LinkedVisitor out;
  Result<Recorded> erased = engine.Erase(visitor, {.channel = "api", .actor = "link-visitor"});
  if (!erased.ok() && erased.status().code() != StatusCode::kNotFound) return erased.status();
  out.visitor_erased = erased.ok();
  out.cookies.push_back(SetCookie(property, kVisitorCookie, std::string(kAccountPrefix) + token, max_age, true));
  out.cookies.push_back(
      SetCookie(property, kStateCookie, StateCookieValue(catalog, property, engine.DecideAll(account), now), max_age,
                false));
  return out;
}

Result<size_t> EraseLapsedVisitors(Engine& engine, int64_t now) {
  std::shared_ptr<const Catalog> catalog = engine.catalog();
  std::unordered_map<std::string, int64_t> last;  // visitor -> time of its latest event
  for (uint64_t after = 0;;) {
    OPTIN_ASSIGN_OR_RETURN(std::vector<Change> changes, engine.Changes(after, kSweepBatch));
    if (changes.empty()) break;
    for (const Change& c : changes) {
      after = c.seq;
      if (!IsVisitorId(c.subject)) continue;  // an erased subject's events show no subject
      last[c.subject] = std::max(last[c.subject], c.time);
    }
  }
  size_t erased = 0;
  for (const auto& [visitor, time] : last) {
    const Property* property = catalog ? catalog->FindProperty(VisitorProperty(visitor)) : nullptr;
    if (RetentionEnd(time, property ? property->visitor_retention : kDefaultRetention) > now) continue;
    Result<Recorded> r = engine.Erase(visitor, {.channel = "api", .actor = "visitor-retention"});
    // Another node may have erased it first.
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return r.status();
    erased += r.ok() ? 1 : 0;
  }
  return erased;
}

}  // namespace optin::embed
