#include "src/server/metrics.h"

#include <cstdio>

namespace optin::server {

void Metrics::CountRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  Series& s = requests_[{route, status}];
  ++s.count;
  s.seconds += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
}

std::string Metrics::Render(uint64_t ledger_last_seq, size_t subjects, double lag_seconds) const {
  std::string out;
  char buf[64];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return std::string(buf);
  };
  out += "# HELP optin_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE optin_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, s] : requests_) {
    out += "optin_http_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(s.count) + "\n";
  }
  out += "# HELP optin_http_request_duration_seconds Time from a request's arrival to its response.\n";
  out += "# TYPE optin_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : requests_) {
    const std::string labels = "route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += "optin_http_request_duration_seconds_bucket{" + labels + ",le=\"" + num(kBuckets[i]) + "\"} " +
             std::to_string(s.buckets[i]) + "\n";
    }
    out += "optin_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(s.count) + "\n";
    out += "optin_http_request_duration_seconds_sum{" + labels + "} " + num(s.seconds) + "\n";
    out += "optin_http_request_duration_seconds_count{" + labels + "} " + std::to_string(s.count) + "\n";
  }
  out += "# HELP optin_decisions_total Decisions made through the API, by reason.\n";
  out += "# TYPE optin_decisions_total counter\n";
  for (size_t i = 0; i < decisions_.size(); ++i) {
    out += "optin_decisions_total{reason=\"" + std::string(ReasonName(static_cast<Reason>(i))) + "\"} " +
           std::to_string(decisions_[i].load(std::memory_order_relaxed)) + "\n";
  }
  out += "# HELP optin_ledger_last_seq Sequence number of the newest ledger event.\n";
  out += "# TYPE optin_ledger_last_seq gauge\n";
  out += "optin_ledger_last_seq " + std::to_string(ledger_last_seq) + "\n";
  out += "# HELP optin_ledger_events Events in the ledger.\n";
  out += "# TYPE optin_ledger_events gauge\n";
  out += "optin_ledger_events " + std::to_string(ledger_last_seq) + "\n";
  out += "# HELP optin_index_subjects Subjects in the in-memory index.\n";
  out += "# TYPE optin_index_subjects gauge\n";
  out += "optin_index_subjects " + std::to_string(subjects) + "\n";
  out += "# HELP optin_store_lag_seconds Time since this node last caught up with its store.\n";
  out += "# TYPE optin_store_lag_seconds gauge\n";
  out += "optin_store_lag_seconds " + num(lag_seconds) + "\n";
  return out;
}

}  // namespace optin::server
