#include "src/server/cors.h"

#include <algorithm>

namespace optin::server {
namespace {

// How long a browser may cache a preflight answer (seconds).
constexpr std::string_view kPreflightMaxAge = "600";
// The request headers a browser may send across origins.
constexpr std::string_view kAllowedHeaders = "Authorization, Content-Type, Sec-GPC, Last-Event-ID";

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

std::optional<PathMethods> MethodsOf(std::string_view path) {
  static constexpr PathMethods kFixed[] = {
      {"/healthz", "GET"},
      {"/metrics", "GET"},
      {"/v1/purposes", "GET"},
      {"/.well-known/gpc.json", "GET"},
      {"/v1/log/head", "GET"},
      {"/v1/log/key", "GET"},
      {"/v1/log/proof/inclusion", "GET"},
      {"/v1/log/proof/consistency", "GET"},
      {"/v1/check", "POST"},
      {"/v1/check/batch", "POST"},
      {"/v1/changes", "GET"},
      {"/v1/session", "GET"},
  };
  for (const PathMethods& p : kFixed) {
    if (p.route == path) return p;
  }
  if (path == "/" || path.starts_with("/p/")) return PathMethods{"/p/{token}", "GET"};
  if (path.starts_with("/static/")) return PathMethods{"/static/{file}", "GET"};
  const std::vector<std::string_view> parts = Segments(path);
  if (parts.size() < 3 || parts[0] != "v1" || parts[1] != "subjects" || parts[2].empty()) return std::nullopt;
  if (parts.size() == 3) return PathMethods{"/v1/subjects/{id}", "DELETE"};
  if (parts.size() == 5 && parts[3] == "consents") return PathMethods{"/v1/subjects/{id}/consents/{purpose}", "PUT, DELETE"};
  if (parts.size() != 4) return std::nullopt;
  static constexpr PathMethods kSubject[] = {
      {"/v1/subjects/{id}/consents", "GET, DELETE"}, {"/v1/subjects/{id}/history", "GET"},
      {"/v1/subjects/{id}/link", "POST"},            {"/v1/subjects/{id}/signals", "GET, POST"},
      {"/v1/subjects/{id}/receipts", "GET"},         {"/v1/subjects/{id}/export", "GET"},
  };
  for (const PathMethods& p : kSubject) {
    if (p.route.substr(p.route.rfind('/') + 1) == parts[3]) return p;
  }
  return std::nullopt;
}

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
  std::optional<PathMethods> known = MethodsOf(request.path);
  if (!known) {
    HttpResponse r = ErrorResponse(404, "not_found", "no such endpoint: OPTIONS " + request.path);
    return r;
  }
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.route = known->route;
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
