// File: optin/ledger.h
//
// Ledger events: the append-only, hash-linked record of every catalog
// publication, grant, withdrawal and signal. The byte format is specified in
// docs/ledger_format.md; EncodeEvent() produces exactly those bytes and the
// event's hash is SHA-256(previous hash || encoded event).
//
// Subjects never appear in clear in an event: `subject_ref` is
// HMAC-SHA-256(store secret, subject id), used to look events up, and
// `subject_box` is the id encrypted under a per-subject key. Destroying that
// key erases the person while every hash still verifies.
//
// Thread-safety: plain values.
#ifndef OPTIN_LEDGER_H_
#define OPTIN_LEDGER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "optin/status.h"

namespace optin {

using EventHash = std::array<uint8_t, 32>;

// DO NOT CHANGE the values: they are part of the hashed event encoding.
enum class Action : uint8_t {
  kPublish = 1,   // a catalog publication; payload holds the catalog
  kGrant = 2,     // the subject opted in to `purpose` under notice `notice`
  kWithdraw = 3,  // the subject opted out of `purpose`
  kSignal = 4,    // an opt-out signal such as Global Privacy Control
  kErase = 5,     // the subject was erased: their key is destroyed (docs/ledger_format.md)
};
std::string_view ActionName(Action action);  // "publish", "grant", ...

struct Event {
  uint64_t seq = 0;       // 1, 2, 3, ... with no gaps
  int64_t time = 0;       // microseconds since the Unix epoch, UTC
  Action action = Action::kGrant;
  std::string subject_ref;   // 32 bytes, or empty for publications
  std::string subject_box;   // sealed subject id, or empty
  std::string purpose;       // purpose id, or empty
  std::string notice;        // notice version (hex) granted, or empty
  std::string channel;       // web, api, cli, gpc, import
  std::string actor;         // who recorded it, e.g. `cli:alice`
  std::string evidence_box;  // sealed evidence (may be empty)
  std::string payload;       // publications: see docs/ledger_format.md
};

// The canonical bytes of `event` (everything but the hashes).
std::string EncodeEvent(const Event& event);
// Parses what EncodeEvent wrote; kDataLoss when the bytes are not an event.
Result<Event> DecodeEvent(std::string_view bytes);
// SHA-256(prev || encoded). The first event's prev is 32 zero bytes.
EventHash ChainHash(const EventHash& prev, std::string_view encoded);

}  // namespace optin

#endif  // OPTIN_LEDGER_H_
