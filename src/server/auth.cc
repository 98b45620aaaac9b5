#include "src/server/auth.h"

#include "src/common/crypto.h"

namespace optin::server {

Status Authenticator::ReloadIfStale() {
  auto now = std::chrono::steady_clock::now();
  if (now - loaded_ < kKeyReload) return OkStatus();
  Result<std::vector<ApiKeyInfo>> loaded = engine_.ListApiKeys();
  if (!loaded.ok()) {
    // The store is out of reach: keep the keys last read (try again later);
    // without any, no key can be checked.
    if (loaded_ == std::chrono::steady_clock::time_point()) return loaded.status();
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

Result<Principal> Authenticator::Authenticate(std::string_view authorization) {
  if (authorization.empty()) return Principal{};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || !authorization.starts_with(kBearer)) {
    return UnauthenticatedError("the Authorization header must be `Bearer KEY`");
  }
  std::string_view key = authorization.substr(kBearer.size());
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
  p.name = it->second.name;
  return p;
}

}  // namespace optin::server
