#include "src/server/limits.h"

#include <algorithm>

namespace optin::server {

Admission ConnectionLimits::Admit(const std::string& client) {
  std::lock_guard lock(mu_);
  auto it = per_client_.find(client);
  const int held = it == per_client_.end() ? 0 : it->second;
  Admission a;
  if (served_ < options_.max_connections) {
    if (options_.max_per_client > 0 && held >= options_.max_per_client) return Admission::kRefuseClient;
    a = Admission::kServe;
    ++served_;
  } else if (health_ < options_.reserved_for_health) {
    a = Admission::kHealthOnly;
    ++health_;
  } else {
    return Admission::kRefuseBusy;
  }
  ++per_client_[client];
  peak_ = std::max(peak_, served_ + health_);
  return a;
}

void ConnectionLimits::Release(const std::string& client, Admission admission) {
  if (admission != Admission::kServe && admission != Admission::kHealthOnly) return;
  std::lock_guard lock(mu_);
  (admission == Admission::kServe ? served_ : health_)--;
  auto it = per_client_.find(client);
  // The map holds only clients with connections: it does not grow with every
  // address ever seen.
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

bool ConnectionLimits::NearLimit() const {
  std::lock_guard lock(mu_);
  return served_ * 4 >= options_.max_connections * 3;
}

int ConnectionLimits::connections() const {
  std::lock_guard lock(mu_);
  return served_ + health_;
}

int ConnectionLimits::connections_from(const std::string& client) const {
  std::lock_guard lock(mu_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

int ConnectionLimits::peak() const {
  std::lock_guard lock(mu_);
  return peak_;
}

void ConnectionLimits::ResetPeak() {
  std::lock_guard lock(mu_);
  peak_ = served_ + health_;
}

}  // namespace optin::server
