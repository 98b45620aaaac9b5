// File: src/server/cors.h
//
// OPTIONS and CORS. `OPTIONS` on a known path answers 204 with the methods
// the path takes (`Allow`, from the route table in routes.cc), before any
// authentication; for a browser origin
// the operator allowed (`optin serve --cors-origin`), a preflight also gets
// the CORS headers, and every response to that origin carries
// `Access-Control-Allow-Origin`. The API's credentials travel as
// `Authorization: Bearer`, never as cookies, so no origin is allowed
// credentials here; the website embed's routes answer the origins of their
// property themselves, with its cookies (handlers/embed.cc).
//
// Thread-safety: an immutable value once made.
#ifndef OPTIN_SRC_SERVER_CORS_H_
#define OPTIN_SRC_SERVER_CORS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optin/status.h"
#include "src/server/http.h"

namespace optin::server {

// kInvalidArgument unless `origin` is `http(s)://host[:port]` (no path, no
// trailing slash), as browsers send it.
Status ValidateOrigin(std::string_view origin);

class Cors {
 public:
  explicit Cors(std::vector<std::string> allowed_origins) : origins_(std::move(allowed_origins)) {}

  // The answer to `OPTIONS request.path`.
  HttpResponse Preflight(const HttpRequest& request) const;
  // Adds the CORS headers a response to an allowed origin needs.
  void Decorate(const HttpRequest& request, HttpResponse& response) const;

 private:
  bool Allowed(std::string_view origin) const;
  std::vector<std::string> origins_;
};

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_CORS_H_
