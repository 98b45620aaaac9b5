// File: src/server/deliverer.h
//
// What `optin serve` runs beside the API: workers that send the deliveries
// due to webhook recipients (Engine::DeliverDue) and wait briefly when
// there are none. Several nodes on one store each run theirs; the store
// gives each delivery to one of them. A recipient that does not answer
// holds up one worker until its time limit, never a customer's request.
//
// Thread-safety: constructed and destroyed on one thread; the workers are
// its own.
#ifndef OPTIN_SERVER_DELIVERER_H_
#define OPTIN_SERVER_DELIVERER_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "optin/engine.h"
#include "src/recipients/webhook_client.h"

namespace optin::server {

struct DelivererOptions {
  recipients::WebhookClientOptions client;
  int workers = 2;
  int idle_wait_ms = 20;  // how long a worker waits when nothing is due
};

class Deliverer {
 public:
  Deliverer(Engine& engine, DelivererOptions options);
  ~Deliverer();  // stops the workers, each after its current send
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

 private:
  void Work();

  Engine& engine_;
  DelivererOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> reported_{false};  // the last error was written to stderr
  std::vector<std::thread> workers_;
};

}  // namespace optin::server

#endif  // OPTIN_SERVER_DELIVERER_H_
