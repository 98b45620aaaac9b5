// File: src/server/http.h
//
// The HTTP request and response as the API sees them, free of Boost.Beast:
// the Beast layer (server.cc) fills an HttpRequest, the router (api.cc, over
// the route table) hands it to a handler (handlers/), which makes the
// HttpResponse. Keeping Beast in one file keeps the build fast.
#ifndef OPTIN_SERVER_HTTP_H_
#define OPTIN_SERVER_HTTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "optin/status.h"

namespace optin::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target before `?`, still percent-encoded
  std::string query;   // after `?`, without it
  std::string authorization;
  std::string accept;  // only to tell a browser's page from an API call
  std::string accept_language;
  std::string content_type;
  std::string last_event_id;  // SSE resumption (Last-Event-ID)
  bool gpc = false;           // `Sec-GPC: 1` (Global Privacy Control)
  std::string origin;         // `Origin`, sent by browsers across origins
  std::string cookie;         // `Cookie` (the website embed's only)
  std::string if_none_match;  // `If-None-Match` (the embed's config)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // For metrics: the route pattern that matched, e.g. `/v1/subjects/{id}/consents`.
  std::string route = "unmatched";
  // Set when the response is a server-sent event stream of ledger changes
  // after this sequence number: the connection then stays open (server.cc).
  std::optional<uint64_t> stream_changes_after;
};

// A JSON error body `{"error":{"code","message"}}` with the HTTP status and
// stable `code` that `status` maps to (include/optin/status.h).
HttpResponse ErrorResponse(const Status& status);
// The same with an HTTP-level code that no Status carries (405, 413, 431).
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message);

}  // namespace optin::server

#endif  // OPTIN_SERVER_HTTP_H_
