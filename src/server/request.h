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

#include "optin/status.h"

namespace optin::server {

// Percent-decodes one path segment or query value; nullopt when malformed.
std::optional<std::string> PercentDecode(std::string_view s);
// How many times the query names `name`.
size_t QueryCount(std::string_view query, std::string_view name);
// The decoded value of the first `name` in the query; "" when absent or
// malformed.
std::string QueryParam(std::string_view query, std::string_view name);
// A whole number from 1 in the query, given once; 0 when absent and not
// `required`. kInvalidArgument naming `name` otherwise.
Result<uint64_t> QueryNumber(std::string_view query, std::string_view name, bool required);

}  // namespace optin::server

#endif  // OPTIN_SERVER_REQUEST_H_
