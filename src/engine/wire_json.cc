#include "src/engine/wire_json.h"

#include "src/common/time.h"

namespace optin {

void WriteDecisionFields(JsonWriter& w, const Decision& d) {
  w.Key("allowed").Bool(d.allowed).Key("reason").String(ReasonName(d.reason)).Key("event");
  if (d.event) w.Uint(d.event);
  else w.Null();
}

std::string DecisionsJson(std::string_view subject, const std::vector<PurposeDecision>& decisions) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("purposes").BeginArray();
  for (const auto& pd : decisions) {
    w.BeginObject().Key("purpose").String(pd.purpose);
    WriteDecisionFields(w, pd.decision);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}

std::string HistoryJson(std::string_view subject, const std::vector<HistoryEntry>& history) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("events").BeginArray();
  for (const auto& h : history) {
    w.BeginObject().Key("seq").Uint(h.seq).Key("time").String(FormatRfc3339(h.time));
    w.Key("purpose").String(h.purpose).Key("action").String(ActionName(h.action));
    w.Key("notice").String(h.notice).Key("channel").String(h.channel).EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}

}  // namespace optin
