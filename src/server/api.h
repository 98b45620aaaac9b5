// File: src/server/api.h
//
// The HTTP API over an Engine: the router in front of the route table
// (routes.h), the handlers (handlers/) and the change feed's events.
// Everything here is Beast-free and callable from tests directly.
//
// Thread-safety: Handle() may be called from many threads at once.
#ifndef OPTIN_SERVER_API_H_
#define OPTIN_SERVER_API_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "optin/engine.h"
#include "src/server/auth.h"
#include "src/server/cors.h"
#include "src/server/handlers/handlers.h"
#include "src/server/http.h"
#include "src/server/metrics.h"

namespace optin::server {

class Api {
 public:
  // `base_url` prefixes preference-center links, e.g. `https://privacy.example`.
  // `cors_origins`: the browser origins allowed across origins (cors.h).
  Api(Engine& engine, std::string base_url, std::vector<std::string> cors_origins = {});

  HttpResponse Handle(const HttpRequest& request);
  // Before serving starts only.
  void set_base_url(std::string url) { base_url_ = std::move(url); }
  void set_demo_shop(bool on) { demo_shop_ = on; }
  Metrics& metrics() { return metrics_; }

  // Server-sent events for up to `limit` ledger changes after `after`;
  // `*last` becomes the sequence number of the last one. Empty when there
  // is nothing new.
  Result<std::string> ChangeEvents(uint64_t after, size_t limit, uint64_t* last);

 private:
  // Matches the route table (routes.cc), answers 404 and 405, authorises,
  // decodes the path, records Global Privacy Control where the route says,
  // and runs the handler.
  HttpResponse Route(const HttpRequest& request);

  Engine& engine_;
  Authenticator auth_;
  Cors cors_;
  Metrics metrics_;
  std::string base_url_;
  bool demo_shop_ = false;
  Services services_{engine_, metrics_, base_url_, demo_shop_};
};

}  // namespace optin::server

#endif  // OPTIN_SERVER_API_H_
