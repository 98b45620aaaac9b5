// The visitor's subject id and the embed's cookies (docs/embed.md, "Cookies").
#include <algorithm>

#include "src/common/crypto.h"
#include "src/common/time.h"
#include "src/embed/embed.h"

namespace optin::embed {
namespace {

constexpr std::string_view kVisitorPrefix = "visitor:";
constexpr size_t kVisitorRandomBytes = 16;
constexpr size_t kVisitorIdChars = 22;  // base64url of 16 bytes, unpadded

bool IsLoopbackHttp(const Property& property) {
  return std::all_of(property.origins.begin(), property.origins.end(), [](const std::string& o) {
    return o.starts_with("http://127.0.0.1") || o.starts_with("http://localhost");
  });
}

}  // namespace

std::string NewVisitorId(std::string_view property) {
  const SecretKey random = RandomKey();
  return std::string(kVisitorPrefix) + std::string(property) + ":" +
         Base64Url(std::string_view(reinterpret_cast<const char*>(random.data()), kVisitorRandomBytes));
}

std::string_view VisitorProperty(std::string_view id) {
  if (!id.starts_with(kVisitorPrefix)) return {};
  const std::string_view rest = id.substr(kVisitorPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view random = rest.substr(colon + 1);
  if (random.size() != kVisitorIdChars || !FromBase64Url(random).has_value()) return {};
  const std::string_view property = rest.substr(0, colon);
  const bool word = std::all_of(property.begin(), property.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
  return word ? property : std::string_view();
}

bool IsVisitorId(std::string_view id, std::string_view property) {
  const std::string_view of = VisitorProperty(id);
  return !of.empty() && (property.empty() || of == property);
}

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = std::min(header.find(';'), header.size());
    std::string_view pair = header.substr(0, end);
    header = end < header.size() ? header.substr(end + 1) : std::string_view();
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return std::string(value);
  }
  return std::nullopt;
}

std::string SetCookie(const Property& property, std::string_view name, std::string_view value, int64_t max_age,
                      bool http_only) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=/; Max-Age=" + std::to_string(max_age);
  // A loopback developer's host gets a host-only cookie: browsers refuse a
  // Domain attribute that is an IP address they did not reach it by.
  if (!IsLoopbackHttp(property)) out += "; Domain=" + property.cookie_domain + "; Secure";
  if (http_only) out += "; HttpOnly";
  return out + "; SameSite=Lax";
}

std::string StateCookieValue(const Catalog& catalog, const Property& property,
                             const std::vector<PurposeDecision>& decisions, int64_t now_micros) {
  auto allowed = [&](std::string_view id) {
    return std::any_of(decisions.begin(), decisions.end(),
                       [&](const PurposeDecision& d) { return d.purpose == id && d.decision.allowed; });
  };
  std::string out;
  for (const std::string& id : property.purposes) out += id + (allowed(id) ? "=1&" : "=0&");
  uint32_t consent_mode = 0;
  for (const Purpose& p : catalog.purposes) {
    if (!allowed(p.id)) continue;
    for (const std::string& type : p.signals.consent_mode) {
      const auto* at = std::find(std::begin(kConsentModeTypes), std::end(kConsentModeTypes), type);
      if (at != std::end(kConsentModeTypes)) consent_mode |= 1u << (at - std::begin(kConsentModeTypes));
    }
  }
  return out + "_c=" + std::to_string(consent_mode) + "&_n=" + NoticesTag(catalog, property) +
         "&_t=" + std::to_string(now_micros / kMicrosPerSecond);
}

int64_t VisitorRetentionSeconds(const Property& property, int64_t now_micros) {
  Result<IsoDuration> d = ParseIsoDuration(property.visitor_retention);
  if (!d.ok()) return 0;
  return (AddDuration(now_micros, *d) - now_micros) / kMicrosPerSecond;
}

}  // namespace optin::embed
