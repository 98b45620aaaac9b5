// File: src/server/routes.h
//
// The HTTP API as data: one row per method and path, with who may call it,
// whether Global Privacy Control is recorded on it, a line of help and its
// handler. The router (api.cc), 404 and 405 with `Allow`, the answers to
// OPTIONS (cors.cc) and the metrics labels all come from this one table.
// To add an endpoint: a row in routes.cc, a handler in handlers/, a test.
//
// Thread-safety: immutable data and pure functions.
#ifndef OPTIN_SERVER_ROUTES_H_
#define OPTIN_SERVER_ROUTES_H_

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/server/authorize.h"
#include "src/server/handlers/handlers.h"

namespace optin::server {

// What `Sec-GPC: 1` on a route does: the subject's browser (or the site
// relaying it) opting out of sale and sharing.
enum class Gpc {
  kIgnored,        // not a subject's request
  kRecorded,       // the router records the signal before the handler runs
  kWithTheChoice,  // the handler's one engine call (Engine::Choose) records it
};

struct Route {
  std::string_view method;
  // Segments; `{name}` matches one non-empty segment, `{name*}` (last only)
  // the non-empty rest of the path. Also the route's metrics label.
  std::string_view pattern;
  Access access = Access::kPublic;
  Gpc gpc = Gpc::kIgnored;
  std::string_view help;
  Handler handler = nullptr;
  // For the API document (openapi.cc): the query parameters, space-separated
  // `name` or `name:integer`, with `!` after one the route needs; the body
  // it reads and the body of its answer, by schema name (api_schemas.h),
  // empty for none; their media types.
  std::string_view query;
  std::string_view request;
  bool request_optional = false;
  std::string_view request_media = "application/json";
  std::string_view response;
  std::string_view produces = "application/json";
  bool also_html = false;  // a page too, for a browser that asks for one
};

// Every route, grouped by pattern.
std::span<const Route> Routes();

// Most parameters a pattern has.
constexpr size_t kMaxRouteParameters = 2;

struct RouteMatch {
  std::string_view pattern;
  std::span<const Route> routes;  // one per method, in table order
  // What the parameters matched, as sent (percent-encoded), in pattern order.
  std::array<std::string_view, kMaxRouteParameters> captures{};
  size_t capture_count = 0;
  std::string_view allow;  // the methods, e.g. `GET, DELETE`
  const Route* For(std::string_view method) const;
};

// The routes whose pattern `path` matches; nullopt when none does (404).
std::optional<RouteMatch> MatchRoute(std::string_view path);

}  // namespace optin::server

#endif  // OPTIN_SERVER_ROUTES_H_
