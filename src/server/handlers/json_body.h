// File: src/server/handlers/json_body.h
//
// Reading a request's JSON body (simdjson): for the few handlers that take
// one.
#ifndef OPTIN_SERVER_HANDLERS_JSON_BODY_H_
#define OPTIN_SERVER_HANDLERS_JSON_BODY_H_

#include <simdjson.h>

#include <string>
#include <string_view>

#include "optin/status.h"

namespace optin::server {

// Parses a JSON object body with this thread's parser. The element lives
// until the thread's next ParseBody: one per request. kInvalidArgument
// naming the problem (including a repeated key).
Result<simdjson::dom::element> ParseBody(const std::string& body);
// The string `key` of `obj`; "" when absent and not `required`.
// kInvalidArgument when required and absent, or not a string.
Result<std::string> StringField(simdjson::dom::element obj, std::string_view key, bool required);

}  // namespace optin::server

#endif  // OPTIN_SERVER_HANDLERS_JSON_BODY_H_
