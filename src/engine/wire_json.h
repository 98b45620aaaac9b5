// File: src/engine/wire_json.h
//
// The JSON shapes that the CLI (`--json`) and the HTTP API share, written in
// one place so that they cannot drift apart (README.md, docs/api.md).
#ifndef OPTIN_ENGINE_WIRE_JSON_H_
#define OPTIN_ENGINE_WIRE_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "optin/engine.h"
#include "src/common/json_writer.h"

namespace optin {

// `"allowed":…,"reason":…,"event":…` (event null when 0) into an open object.
void WriteDecisionFields(JsonWriter& w, const Decision& d);
// {"subject","purposes":[{"purpose","allowed","reason","event"}]}
std::string DecisionsJson(std::string_view subject, const std::vector<PurposeDecision>& decisions);
// {"subject","events":[{"seq","time","purpose","action","notice","channel"}]}
std::string HistoryJson(std::string_view subject, const std::vector<HistoryEntry>& history);

}  // namespace optin

#endif  // OPTIN_ENGINE_WIRE_JSON_H_
