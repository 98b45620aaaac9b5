#include "src/server/auth.h"

#include <cctype>

#include "src/common/crypto.h"

namespace optin::server {

Status Authenticator::ReloadIfStale() {
  // On the engine's clock, so that a test steps it. A clock set back reloads
  // at once rather than never.
  const int64_t now = engine_.Now();
  if (loaded_ != 0 && now >= loaded_ && now - loaded_ < kKeyReloadMicros) return OkStatus();
  Result<std::vector<ApiKeyInfo>> loaded = engine_.ListApiKeys();
  if (!loaded.ok()) {
    // The store is out of reach: keep the keys last read (try again later);
    // without any, no key can be checked.
    if (loaded_ == 0) return loaded.status();
    loaded_ = now;
    return OkStatus();
  }
  std::vector<ApiKeyInfo> keys = std::move(*loaded);
  by_hash_.clear();
  for (auto& k : keys) by_hash_.emplace(k.hash, std::move(k));
  loaded_ = now;
  return OkStatus();
}

Status Authenticator::Load() {
  std::lock_guard lock(mu_);
  return ReloadIfStale();
}

Result<std::string_view> ParseBearer(std::string_view authorization) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  // Optional whitespace around a field value is not part of it (RFC 9110 §5.5).
  while (!authorization.empty() && blank(authorization.front())) authorization.remove_prefix(1);
  while (!authorization.empty() && blank(authorization.back())) authorization.remove_suffix(1);
  const Status kForm = UnauthenticatedError("the Authorization header must be `Bearer TOKEN` (an API key or a link token)");
  // credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1); the scheme is
  // case-insensitive (RFC 9110 §11.1).
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') return kForm;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return kForm;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  size_t i = 0;
  auto b64 = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < token.size() && b64(token[i])) ++i;
  while (i < token.size() && token[i] == '=') ++i;
  if (i == 0 || i != token.size()) {
    return UnauthenticatedError("the Authorization header must be `Bearer TOKEN`: one token of letters, digits and "
                               "-._~+/ after `Bearer`");
  }
  return token;
}

Result<Principal> Authenticator::Authenticate(std::string_view authorization) {
  if (authorization.empty()) return Principal{};
  OPTIN_ASSIGN_OR_RETURN(std::string_view key, ParseBearer(authorization));
  if (!key.starts_with("optin_")) {
    OPTIN_ASSIGN_OR_RETURN(LinkToken link, engine_.OpenLinkToken(key));
    Principal customer;
    customer.authenticated = true;
    customer.subject = std::move(link.subject);
    customer.expires = link.expires;
    customer.name = "link";
    return customer;
  }
  const std::string hash(AsBytes(Sha256(key)));
  std::lock_guard lock(mu_);
  OPTIN_RETURN_IF_ERROR(ReloadIfStale());
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return UnauthenticatedError("the API key is not valid (unknown or revoked)");
  Principal p;
  p.authenticated = true;
  p.scope = it->second.scope;
  p.recipient = it->second.recipient;
  p.name = it->second.name;
  return p;
}

}  // namespace optin::server
