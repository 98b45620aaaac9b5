// File: src/signals/tcf/tc_json.h
//
// The TC string model's JSON fields, for the JSON forms that embed a TC
// string (the GPP tcfeuv2 section).
//
// Thread-safety: pure functions.
#ifndef OPTIN_SIGNALS_TCF_TC_JSON_H_
#define OPTIN_SIGNALS_TCF_TC_JSON_H_

#include "optin/signals.h"
#include "src/common/json_writer.h"

namespace optin::json {
class Value;
}  // namespace optin::json

namespace optin::tcf {

// Writes the keys of TcStringToJson, except `warnings`, into the object `w`
// has open.
void WriteTcStringFields(JsonWriter& w, const TcString& tc);
// Reads a TC string model from a parsed JSON object (TcStringFromJson's
// input), validated; kInvalidArgument naming the problem.
Result<TcString> TcStringFromJson(const json::Value& model);

}  // namespace optin::tcf

#endif  // OPTIN_SIGNALS_TCF_TC_JSON_H_
