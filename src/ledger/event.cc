#include "optin/ledger.h"

#include "src/common/bytes.h"
#include "src/common/crypto.h"

namespace optin {
namespace {

// DO NOT CHANGE: the first byte of every encoded event (docs/ledger_format.md).
constexpr uint8_t kEventFormatVersion = 1;

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kPublish: return "publish";
    case Action::kGrant: return "grant";
    case Action::kWithdraw: return "withdraw";
    case Action::kSignal: return "signal";
    case Action::kErase: return "erase";
  }
  return "unknown";
}

// DO NOT CHANGE: the hashed event encoding (docs/ledger_format.md).
std::string EncodeEvent(const Event& e) {
  ByteWriter w;
  w.U8(kEventFormatVersion);
  w.U64(e.seq);
  w.U64(static_cast<uint64_t>(e.time));
  w.U8(static_cast<uint8_t>(e.action));
  w.Field(e.subject_ref);
  w.Field(e.subject_box);
  w.Field(e.purpose);
  w.Field(e.notice);
  w.Field(e.channel);
  w.Field(e.actor);
  w.Field(e.evidence_box);
  w.Field(e.payload);
  return std::move(w).Take();
}

Result<Event> DecodeEvent(std::string_view bytes) {
  ByteReader r(bytes);
  Event e;
  uint8_t version, action;
  uint64_t time;
  std::string_view f[8];
  if (!r.U8(version)) return DataLossError("empty event record");
  if (version != kEventFormatVersion) {
    return DataLossError("event format version " + std::to_string(version) + " is not one this optin reads");
  }
  if (!r.U64(e.seq) || !r.U64(time) || !r.U8(action)) return DataLossError("truncated event header");
  for (auto& field : f) {
    if (!r.Field(field)) return DataLossError("truncated event field");
  }
  if (!r.AtEnd()) return DataLossError("trailing bytes after event");
  if (action < 1 || action > 5) return DataLossError("unknown event action " + std::to_string(action));
  e.time = static_cast<int64_t>(time);
  e.action = static_cast<Action>(action);
  e.subject_ref = f[0];
  e.subject_box = f[1];
  e.purpose = f[2];
  e.notice = f[3];
  e.channel = f[4];
  e.actor = f[5];
  e.evidence_box = f[6];
  e.payload = f[7];
  return e;
}

EventHash ChainHash(const EventHash& prev, std::string_view encoded) {
  return Sha256(AsBytes(prev), encoded);
}

}  // namespace optin
