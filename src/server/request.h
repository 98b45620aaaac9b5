// File: src/server/request.h
//
// Reading a request's target: percent-decoding and query parameters.
//
// Thread-safety: pure functions.
#ifndef OPTIN_SERVER_REQUEST_H_
#define OPTIN_SERVER_REQUEST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace optin::server {

// Percent-decodes one path segment or query value; nullopt when malformed.
std::optional<std::string> PercentDecode(std::string_view s);
// How many times the query names `name`.
size_t QueryCount(std::string_view query, std::string_view name);
// The decoded value of the first `name` in the query; "" when absent or
// malformed.
std::string QueryParam(std::string_view query, std::string_view name);

}  // namespace optin::server

#endif  // OPTIN_SERVER_REQUEST_H_
