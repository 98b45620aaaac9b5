#include "src/server/cors.h"

#include <algorithm>

#include "src/server/routes.h"

namespace optin::server {
namespace {

// How long a browser may cache a preflight answer (seconds).
constexpr std::string_view kPreflightMaxAge = "600";
// The request headers a browser may send across origins.
constexpr std::string_view kAllowedHeaders = "Authorization, Content-Type, Sec-GPC, Last-Event-ID";

}  // namespace

Status ValidateOrigin(std::string_view origin) {
  auto bad = [&] {
    return InvalidArgumentError("`" + std::string(origin) +
                                "` is not an origin: write it as a browser sends it, such as https://shop.example or "
                                "http://127.0.0.1:3000 (no path, no trailing slash)");
  };
  std::string_view rest;
  if (origin.starts_with("https://")) rest = origin.substr(8);
  else if (origin.starts_with("http://")) rest = origin.substr(7);
  else return bad();
  if (rest.empty()) return bad();
  for (char c : rest) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':' ||
                    c == '[' || c == ']';
    if (!ok) return bad();
  }
  return OkStatus();
}

bool Cors::Allowed(std::string_view origin) const {
  return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

HttpResponse Cors::Preflight(const HttpRequest& request) const {
  std::optional<RouteMatch> known = MatchRoute(request.path);
  if (!known) {
    HttpResponse r = ErrorResponse(404, "not_found", "no such endpoint: OPTIONS " + request.path);
    return r;
  }
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.route = known->pattern;
  const std::string allow = std::string(known->allow) + ", OPTIONS";
  r.headers.emplace_back("Allow", allow);
  if (Allowed(request.origin)) {
    r.headers.emplace_back("Access-Control-Allow-Methods", allow);
    r.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
    r.headers.emplace_back("Access-Control-Max-Age", std::string(kPreflightMaxAge));
  }
  return r;
}

void Cors::Decorate(const HttpRequest& request, HttpResponse& response) const {
  // The answer differs by origin: caches must keep them apart.
  if (!origins_.empty()) response.headers.emplace_back("Vary", "Origin");
  if (Allowed(request.origin)) response.headers.emplace_back("Access-Control-Allow-Origin", request.origin);
}

}  // namespace optin::server
