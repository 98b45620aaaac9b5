// File: src/server/limits.h
//
// Who may hold a connection: a global limit, a limit per client address (so
// that one client cannot take a node offline), and a few slots beyond the
// global limit kept for health checks (so that a load balancer probing
// `/healthz` or `/metrics` still gets an answer from a node that is full).
// Beast-free, so that it is tested on its own.
//
// Thread-safety: all methods may be called concurrently.
//
// Example:
//   ConnectionLimits limits({.max_connections = 1024, .max_per_client = 256, .reserved_for_health = 4});
//   Admission a = limits.Admit("203.0.113.7");
//   ... serve according to `a` ...
//   limits.Release("203.0.113.7", a);
#ifndef OPTIN_SRC_SERVER_LIMITS_H_
#define OPTIN_SRC_SERVER_LIMITS_H_

#include <absl/container/flat_hash_map.h>

#include <mutex>
#include <string>

namespace optin::server {

enum class Admission {
  kServe,            // an ordinary connection
  kHealthOnly,       // beyond the global limit: may ask only /healthz or /metrics
  kRefuseBusy,       // the node is full, reserved slots included
  kRefuseClient,     // this client address holds its share already
};

struct LimitOptions {
  int max_connections = 1024;
  int max_per_client = 256;  // 0: no limit per client
  int reserved_for_health = 4;
};

class ConnectionLimits {
 public:
  explicit ConnectionLimits(LimitOptions options) : options_(options) {}

  // Counts a new connection from `client` unless it is refused.
  Admission Admit(const std::string& client);
  // Forgets a connection Admit counted (not one it refused).
  void Release(const std::string& client, Admission admission);

  // At three quarters of the global limit or more: idle keep-alive
  // connections are closed sooner.
  bool NearLimit() const;
  int connections() const;
  int connections_from(const std::string& client) const;
  // The most connections held at once since the last ResetPeak (which sets
  // it to the current count): for giving memory back after a flood.
  int peak() const;
  void ResetPeak();

 private:
  const LimitOptions options_;
  mutable std::mutex mu_;
  int served_ = 0;  // kServe connections
  int health_ = 0;  // kHealthOnly connections
  int peak_ = 0;
  absl::flat_hash_map<std::string, int> per_client_;
};

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_LIMITS_H_
