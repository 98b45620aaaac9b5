// File: src/server/metrics.h
//
// Counters for `GET /metrics` in the Prometheus text format (0.0.4):
// requests and latency by route and status, decisions by reason.
//
// Thread-safety: all methods may be called from many threads at once.
#ifndef OPTIN_SERVER_METRICS_H_
#define OPTIN_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "optin/decision.h"

namespace optin::server {

class Metrics {
 public:
  void CountRequest(const std::string& route, int status, double seconds);
  void CountDecision(Reason reason) { decisions_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed); }
  // The whole exposition; `ledger_last_seq` and `subjects` are gauges.
  // `lag_seconds`: how long ago this node last caught up with its store.
  std::string Render(uint64_t ledger_last_seq, size_t subjects, double lag_seconds) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.1,   1.0};
  struct Series {
    uint64_t count = 0;
    double seconds = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, Series> requests_;
  std::array<std::atomic<uint64_t>, kReasonCount> decisions_{};
};

}  // namespace optin::server

#endif  // OPTIN_SERVER_METRICS_H_
