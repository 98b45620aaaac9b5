#include "src/server/handlers/json_body.h"

#include "src/common/json_keys.h"

namespace optin::server {

Result<simdjson::dom::element> ParseBody(const std::string& body) {
  thread_local simdjson::dom::parser parser;
  if (body.empty()) return InvalidArgumentError("the request needs a JSON body");
  simdjson::dom::element doc;
  if (auto error = parser.parse(body).get(doc); error) {
    return InvalidArgumentError(std::string("the body is not valid JSON: ") + simdjson::error_message(error));
  }
  if (!doc.is_object()) return InvalidArgumentError("the body must be a JSON object");
  // A repeated key could be read two ways; refuse it rather than pick one.
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  return doc;
}

Result<std::string> StringField(simdjson::dom::element obj, std::string_view key, bool required) {
  simdjson::dom::element v;
  if (obj[key].get(v)) {
    if (required) return InvalidArgumentError("the body needs `" + std::string(key) + "`");
    return std::string();
  }
  std::string_view s;
  if (v.get(s)) return InvalidArgumentError("`" + std::string(key) + "` must be a string");
  return std::string(s);
}

}  // namespace optin::server
