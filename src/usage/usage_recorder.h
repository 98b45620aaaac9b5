// File: src/usage/usage_recorder.h
//
// UsageRecorder notes what checks decided, on the check path, without
// touching the store (docs/usage.md): an allowed use once per subject,
// purpose, user and day (later ones on the same day cost a hash and, most
// often, a look-up in a small per-thread cache without a lock),
// and denied checks as counts per day, purpose, user and reason. The
// engine takes what was noted and writes it to the store in one
// transaction, off the check path (Engine::FlushUsage).
//
// Memory is bounded: the "seen today" sets forget (and a repeat is then
// noted again, which the store ignores) and at most `max_pending` uses
// wait for a flush; beyond that they are counted as dropped.
//
// Thread-safety: every method may be called from any number of threads;
// the work is spread over shards, each with its own lock.
#ifndef OPTIN_USAGE_USAGE_RECORDER_H_
#define OPTIN_USAGE_USAGE_RECORDER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "optin/decision.h"
#include "optin/store.h"

namespace optin::internal {

class UsageRecorder {
 public:
  // A use noted: the subject in clear (the engine turns it into its
  // look-up key when it writes).
  struct Use {
    std::string subject;
    std::string purpose;
    std::string recipient;
    int32_t day = 0;
  };
  struct Noted {
    std::vector<Use> uses;
    std::vector<DeniedCountRow> denied;
    uint64_t dropped = 0;  // uses not kept for want of room
  };

  explicit UsageRecorder(size_t max_pending = size_t{1} << 20);

  // `subject`'s data was used for `purpose` by `recipient` (empty: the
  // company) on `day` (days since the Unix epoch).
  void NoteUse(std::string_view subject, std::string_view purpose, std::string_view recipient, int32_t day);
  // `count` checks for `purpose` by `recipient` were denied for `reason`.
  void NoteDenied(std::string_view purpose, std::string_view recipient, Reason reason, int32_t day,
                  uint64_t count = 1);

  // Everything noted since the last Take, and forgets it.
  Noted Take();

 private:
  static constexpr size_t kShards = 16;
  struct alignas(64) Shard {
    absl::Mutex mu;
    int32_t day ABSL_GUARDED_BY(mu) = 0;  // the day `seen` is of
    absl::flat_hash_set<uint64_t> seen ABSL_GUARDED_BY(mu);
    std::vector<Use> uses ABSL_GUARDED_BY(mu);
    // purpose \0 recipient \0 reason \0 day -> count
    absl::flat_hash_map<std::string, uint64_t> denied ABSL_GUARDED_BY(mu);
    uint64_t dropped ABSL_GUARDED_BY(mu) = 0;
  };
  const uint64_t serial_;  // unique in the process: its key in the per-thread cache
  size_t max_pending_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace optin::internal

#endif  // OPTIN_USAGE_USAGE_RECORDER_H_
