// serve: the HTTP API on the store.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "src/cli/cli.h"
#include "src/engine/wire_json.h"
#include "src/server/api.h"
#include "src/server/cors.h"
#include "src/server/deliverer.h"
#include "src/server/server.h"

namespace optin::cli {
namespace {

constexpr int kMallocArenas = 2;

// `ADDR:PORT` or `[V6ADDR]:PORT`.
Status ParseListen(const std::string& listen, server::ServerOptions& options) {
  auto bad = [&] { return InvalidArgumentError("--listen `" + listen + "` must be ADDR:PORT, such as 127.0.0.1:8080"); };
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return bad();
  const int p = std::stoi(port);
  if (p > 65535) return bad();
  options.address = host;
  options.port = static_cast<uint16_t>(p);
  return OkStatus();
}

}  // namespace

CommandResult RunServe(const Globals& g, const std::string& listen, const ServeFlags& flags) {
  server::ServerOptions options;
  OPTIN_RETURN_IF_ERROR(ParseListen(listen, options));
  if (flags.threads < 0 || flags.threads > 1024) {
    return InvalidArgumentError("--threads must be between 1 and 1024 (0: the default)");
  }
  if (flags.request_timeout_s < 1 || flags.request_timeout_s > 3600) {
    return InvalidArgumentError("--request-timeout must be between 1 and 3600 seconds");
  }
  if (flags.max_connections < 1) return InvalidArgumentError("--max-connections must be at least 1");
  options.threads = flags.threads;
  options.request_timeout = std::chrono::seconds(flags.request_timeout_s);
  options.max_connections = flags.max_connections;
  for (const std::string& origin : flags.cors_origins) {
    if (Status s = server::ValidateOrigin(origin); !s.ok()) return InvalidArgumentError("--cors-origin: " + s.message());
  }
  options.cors_origins = flags.cors_origins;
  options.demo_shop = flags.demo_shop;
  if (flags.max_connections_per_client < -1) {
    return InvalidArgumentError("--max-connections-per-client must be 0 (no limit) or more");
  }
  options.max_connections_per_client = flags.max_connections_per_client == -1
                                           ? std::max(1, flags.max_connections / 4)
                                           : flags.max_connections_per_client;
  options.public_url = flags.public_url;
  if (options.public_url.empty()) {
    const char* env = std::getenv("OPTIN_PUBLIC_URL");
    if (env) options.public_url = env;
  }
  if (!options.public_url.empty()) {
    Result<std::string> url = ParsePublicUrl(options.public_url);
    if (!url.ok()) return InvalidArgumentError("--public-url: " + url.status().message());
    options.public_url = *std::move(url);
  }
  if (flags.max_staleness_s < 0) return InvalidArgumentError("--max-staleness must be 0 or more seconds");
  if (!flags.recipient_ca.empty() && access(flags.recipient_ca.c_str(), R_OK) != 0) {
    return InvalidArgumentError("--recipient-ca `" + flags.recipient_ca + "` cannot be read");
  }
  if (flags.recipient_timeout_s < 1 || flags.recipient_timeout_s > 300) {
    return InvalidArgumentError("--recipient-timeout must be between 1 and 300 seconds");
  }
  // Accepted as before; every commit now keeps a signed head of its own.
  if (flags.head_interval_s < 1) return InvalidArgumentError("--head-interval must be at least 1 second");
  // Two allocator arenas rather than one per worker thread: with the
  // thread cache in front of them this costs nothing measurable, and the
  // memory a flood of connections used can be given back afterwards
  // instead of staying spread over a dozen arenas (src/server/server.cc).
  mallopt(M_ARENA_MAX, kMallocArenas);
  EngineOptions engine_options;
  engine_options.store = g.db;
  engine_options.max_staleness = int64_t{flags.max_staleness_s} * 1'000'000;
  engine_options.record_usage = flags.usage;
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Open(std::move(engine_options)));
  auto server = server::Server::Start(*engine, options);
  OPTIN_RETURN_IF_ERROR(server);
  const std::string bound = server::HttpUrl(options.address, (*server)->port());
  // `optin link` points at this server from now on.
  if (Status s = engine->SetPublicUrl(options.public_url.empty() ? bound : options.public_url); !s.ok()) {
    std::cerr << "optin: could not keep the server's address in the store (" << s.message()
              << "); `optin link` will need --base-url\n";
  }
  std::optional<server::Deliverer> deliverer;
  if (flags.deliveries) {
    deliverer.emplace(*engine, server::DelivererOptions{.client = {.allow_http = flags.allow_http_recipients,
                                                                   .allow_private = flags.allow_private_recipients,
                                                                   .timeout_ms = flags.recipient_timeout_s * 1000,
                                                                   .ca_file = flags.recipient_ca}});
  }
  // One line on stdout that scripts and tests read to find the port.
  std::cout << "optin serving " << bound << " (store " << g.db << ")" << std::endl;
  (*server)->Wait();
  std::cerr << "optin: stopped\n";
  return kExitOk;
}

CommandResult RunLink(const Globals& g, const std::string& subject, const std::string& unsubscribe,
                      const std::string& ttl, const std::string& base_url, bool json) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  // Where the link points: --base-url, else $OPTIN_PUBLIC_URL, else the
  // address of the server that runs on this store; never a guess.
  std::string base = base_url;
  std::string from = "--base-url";
  if (base.empty()) {
    const char* env = std::getenv("OPTIN_PUBLIC_URL");
    if (env && *env) {
      base = env;
      from = "$OPTIN_PUBLIC_URL";
    }
  }
  if (base.empty()) {
    Result<std::string> kept = engine->PublicUrl();
    if (!kept.ok() && kept.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError(
          "no server has run on this store, so optin does not know where the preference center is: start `optin "
          "serve` (with --public-url if it is reached at another address), or pass --base-url URL");
    }
    OPTIN_RETURN_IF_ERROR(kept);
    base = *kept;
    from = "the server's address kept in the store";
  }
  Result<std::string> url = ParsePublicUrl(base);
  if (!url.ok()) return InvalidArgumentError(from + ": " + url.status().message());
  // Just the URL without --json, so that scripts can use it.
  if (!unsubscribe.empty()) {
    OPTIN_ASSIGN_OR_RETURN(UnsubscribeLink link, engine->CreateUnsubscribeLink(
                                                     subject, unsubscribe, ttl.empty() ? kDefaultUnsubscribeTtl : ttl, *url));
    std::cout << (json ? UnsubscribeLinkJson(link) : link.url) << "\n";
    return kExitOk;
  }
  OPTIN_ASSIGN_OR_RETURN(PreferenceLink link, engine->CreateLink(subject, ttl.empty() ? kDefaultLinkTtl : ttl, *url));
  std::cout << (json ? LinkJson(link) : link.url) << "\n";
  return kExitOk;
}

}  // namespace optin::cli
