// File: src/server/handlers/json_body.h
//
// Reading a request's JSON body with the JSON reader: for the few handlers
// that take one.
#ifndef OPTIN_SERVER_HANDLERS_JSON_BODY_H_
#define OPTIN_SERVER_HANDLERS_JSON_BODY_H_

#include <string>

#include "optin/status.h"
#include "src/common/json_reader.h"

namespace optin::server {

// Parses a JSON object body with this thread's parser. The value lives
// until the thread's next ParseBody: one per request. kInvalidArgument
// naming the problem (including a repeated key).
Result<json::Value> ParseBody(const std::string& body);

}  // namespace optin::server

#endif  // OPTIN_SERVER_HANDLERS_JSON_BODY_H_
