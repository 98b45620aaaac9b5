// File: src/server/http_messages.h
//
// Between Beast's HTTP messages and the API's HttpRequest and HttpResponse
// (http.h): the framing a request is refused for before its body is read,
// the request's fields the API reads, and the response with the headers
// every answer carries. Included by server.cc only (it brings in Beast).
//
// Thread-safety: pure functions.
#ifndef OPTIN_SRC_SERVER_HTTP_MESSAGES_H_
#define OPTIN_SRC_SERVER_HTTP_MESSAGES_H_

#include <boost/beast/http.hpp>

#include <memory>
#include <optional>
#include <string>

#include "src/server/http.h"

namespace optin::server {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What is wrong with a request header's framing or its fields, if anything:
// a request that could be read two ways is refused, never guessed at.
std::optional<std::string> RefusedFraming(const BeastRequest& req);

// The method, target, the headers the API reads, and the body.
HttpRequest ToHttpRequest(const BeastRequest& req);

// `response` as HTTP/`version` (11 for 1.1), with the server's name and the
// security headers of every answer (docs/api.md), its own headers after
// them, and no Content-Length on a 204 (RFC 9110 §8.6).
std::shared_ptr<BeastResponse> ToBeastResponse(HttpResponse response, unsigned version, bool keep_alive);

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_HTTP_MESSAGES_H_
