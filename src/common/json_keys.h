// File: src/common/json_keys.h
//
// Repeated keys in parsed JSON. RFC 8259 leaves an object whose names repeat
// open to any reading (the first, the last, both); optin refuses such input
// everywhere it reads JSON from outside (request bodies, stream records,
// receipts, tree heads), so that no two readers can see different values.
//
// Thread-safety: a pure function.
#ifndef OPTIN_COMMON_JSON_KEYS_H_
#define OPTIN_COMMON_JSON_KEYS_H_

#include <optional>
#include <string>

#include "optin/status.h"

namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace optin {

// The first key that repeats in an object at any depth of `e`, or nullopt.
std::optional<std::string> RepeatedKey(const simdjson::dom::element& e);
// OK, or kInvalidArgument (reason `duplicate_key`) naming the first key
// that repeats.
Status CheckNoRepeatedKey(const simdjson::dom::element& e);

}  // namespace optin

#endif  // OPTIN_COMMON_JSON_KEYS_H_
