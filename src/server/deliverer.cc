#include "src/server/deliverer.h"

#include <chrono>
#include <iostream>

namespace optin::server {
namespace {

// Deliveries one worker claims at a time.
constexpr size_t kBatch = 8;

}  // namespace

Deliverer::Deliverer(Engine& engine, DelivererOptions options) : engine_(engine), options_(options) {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

Deliverer::~Deliverer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Deliverer::Work() {
  const WebhookSender send = [this](const std::string& url,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const std::string& body) {
    return recipients::PostWebhook(options_.client, url, headers, body);
  };
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    // Held for longer than a batch of sends may take: past it, another node
    // (or this one, restarted) sends what a dead one had claimed.
    const int64_t lease = int64_t{options_.client.timeout_ms} * 1000 * static_cast<int64_t>(kBatch) + 5'000'000;
    Result<size_t> sent = engine_.DeliverDue(send, kBatch, lease);
    // A store out of reach is said once, and again after it came back.
    if (!sent.ok() && !reported_.exchange(true)) {
      std::cerr << "optin: deliveries to recipients paused: " << sent.status().message() << "\n";
    } else if (sent.ok() && reported_.exchange(false)) {
      std::cerr << "optin: deliveries to recipients resumed\n";
    }
    lock.lock();
    if (!sent.ok() || *sent == 0) cv_.wait_for(lock, std::chrono::milliseconds(options_.idle_wait_ms));
  }
}

}  // namespace optin::server
