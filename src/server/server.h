// File: src/server/server.h
//
// The HTTP/1.1 server behind `optin serve`: Boost.Beast on a fixed pool of
// worker threads, keep-alive, bounded header and body sizes (431 and 413), a
// timeout on every request read (a slow client cannot hold a worker), a
// connection limit (503 beyond it) and a graceful shutdown: on SIGTERM or
// SIGINT it stops accepting, lets requests in flight finish (a write that
// was acknowledged is durable), closes idle connections and returns.
//
// Thread-safety: Shutdown() may be called from any thread.
#ifndef OPTIN_SERVER_SERVER_H_
#define OPTIN_SERVER_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "optin/engine.h"
#include "optin/status.h"

namespace optin::server {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see Server::port())
  int threads = 0;       // 0: a default suited to blocking durable writes
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds request_timeout{15};  // to receive a whole request
  int max_connections = 1024;
  // Connections one client address may hold; 0: no limit of its own.
  // Behind a reverse proxy every client has the proxy's address.
  int max_connections_per_client = 256;
  std::chrono::seconds drain_timeout{10};  // longest a shutdown waits
  // The longest the server waits before taking in what other processes (the
  // CLI, other nodes) appended; a store that notifies wakes it at once.
  std::chrono::milliseconds sync_interval{200};
  bool handle_signals = true;  // SIGTERM and SIGINT start a shutdown
  // Prefix of preference-center links the server hands out; empty:
  // `http://ADDRESS:PORT` as bound.
  std::string public_url;
  // Browser origins allowed to call the API across origins (CORS), e.g.
  // `https://shop.example`; none by default.
  std::vector<std::string> cors_origins;
  // Also serve the demo shop page, which uses the website embed, at
  // /demo/shop (`make demo`).
  bool demo_shop = false;
};

// `http://ADDRESS:PORT` for a bound address, an IPv6 one in brackets.
inline std::string HttpUrl(const std::string& address, uint16_t port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return "http://" + host + ":" + std::to_string(port);
}

class Server {
 public:
  // Binds and starts serving. kUnavailable if the address cannot be bound.
  static Result<std::unique_ptr<Server>> Start(Engine& engine, const ServerOptions& options);
  virtual ~Server() = default;

  virtual uint16_t port() const = 0;
  // Begins a graceful shutdown.
  virtual void Shutdown() = 0;
  // Blocks until the server has stopped.
  virtual void Wait() = 0;
};

}  // namespace optin::server

#endif  // OPTIN_SERVER_SERVER_H_
