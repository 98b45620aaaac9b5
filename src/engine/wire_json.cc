#include "src/engine/wire_json.h"

#include <algorithm>

#include "src/common/time.h"
#include "src/proof/log_key.h"

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

std::string Ed25519PublicKeyPem(std::string_view public_key) {
  // DO NOT CHANGE: the DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
  static constexpr unsigned char kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b,
                                                  0x65, 0x70, 0x03, 0x21, 0x00};
  std::string der(reinterpret_cast<const char*>(kSpkiPrefix), sizeof kSpkiPrefix);
  der.append(public_key);
  return "-----BEGIN PUBLIC KEY-----\n" + internal::Base64(der) + "\n-----END PUBLIC KEY-----\n";
}

std::string LogKeysJson(const std::vector<LogPublicKey>& keys) {
  JsonWriter w;
  w.BeginObject();
  auto signing = std::find_if(keys.rbegin(), keys.rend(), [](const LogPublicKey& k) { return k.retired == 0; });
  if (signing != keys.rend()) {
    w.Key("key_id").String(signing->key_id).Key("algorithm").String("Ed25519");
    w.Key("public_key").String(internal::Base64(signing->public_key));
    w.Key("public_key_pem").String(Ed25519PublicKeyPem(signing->public_key));
  }
  w.Key("retired_keys").BeginArray();
  for (const LogPublicKey& k : keys) {
    if (k.retired == 0) continue;
    w.BeginObject().Key("key_id").String(k.key_id).Key("public_key").String(internal::Base64(k.public_key));
    w.Key("retired").String(FormatRfc3339(k.retired)).EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}

}  // namespace optin
