#include "src/server/handlers/json_body.h"

namespace optin::server {

Result<json::Value> ParseBody(const std::string& body) {
  thread_local simdjson::dom::parser parser;
  if (body.empty()) return InvalidArgumentError("the request needs a JSON body");
  return json::ParseObject(parser, body, "the body");
}

}  // namespace optin::server
