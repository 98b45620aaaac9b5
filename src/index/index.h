// File: src/index/index.h
//
// The index: the current consent state of every subject, built by applying
// ledger events in sequence order, and Decide(), the default-deny decision
// function of DESIGN §1.
//
// Thread-safety: one writer (the ledger, which applies events in order) and
// any number of concurrent readers. Decide() allocates nothing and takes only
// a shared lock on one of kShards shards, so reads scale across threads. An
// event applied before a writer returns is seen by every Decide() that
// starts afterwards.
#ifndef OPTIN_INDEX_INDEX_H_
#define OPTIN_INDEX_INDEX_H_

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optin/catalog.h"
#include "optin/decision.h"
#include "optin/ledger.h"
#include "src/common/time.h"

namespace optin::internal {

// What the index knows about one purpose, as of the latest publication.
struct PurposeState {
  std::string id;
  bool active = false;  // in the catalog in force
  Basis basis = Basis::kConsent;
  std::string notice_version;  // current version
  // Increments on every material change of the notice; a grant counts only
  // while its epoch is the purpose's epoch.
  uint16_t epoch = 0;
  uint64_t version_seq = 0;  // the publication that brought the current version
  bool has_expiry = false;
  IsoDuration expires;
  bool sale_or_share = false;
};

// An immutable snapshot of all purposes ever published. Replaced, never
// changed, so readers need no lock; old snapshots live as long as the index.
struct PurposeTable {
  std::vector<PurposeState> purposes;  // index = stable purpose number
  absl::flat_hash_map<std::string, uint16_t> by_id;
  uint64_t publication_seq = 0;  // latest publication
};

class Index {
 public:
  Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Applies a publication. Purposes whose notice version changed get a new
  // epoch unless named in `editorial`; purposes left out become inactive.
  void ApplyPublish(const Catalog& catalog, std::span<const std::string> editorial, uint64_t seq);
  // Applies a grant, withdrawal or signal for `subject`.
  void ApplySubjectEvent(std::string_view subject, const Event& event);

  Decision Decide(std::string_view subject, std::string_view purpose, int64_t now) const;

  const PurposeTable& purposes() const { return *table_.load(std::memory_order_acquire); }
  size_t subject_count() const;
  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  void set_last_seq(uint64_t seq) { last_seq_.store(seq, std::memory_order_release); }

 private:
  static constexpr size_t kShardBits = 6;
  static constexpr size_t kShards = size_t{1} << kShardBits;

  // 16 bytes: the latest event of one subject about one purpose.
  struct Entry {
    uint64_t seq : 56;
    uint64_t action : 8;
    uint32_t time_s;  // seconds since the epoch of the event
    uint16_t purpose;
    uint16_t epoch;
  };
  static_assert(sizeof(Entry) == 16);
  using Entries = absl::InlinedVector<Entry, 1>;
  struct Shard {
    mutable std::shared_mutex mu;
    absl::flat_hash_map<std::string, Entries> subjects;
  };

  Shard& ShardFor(std::string_view subject) const;
  Decision DecideWith(const PurposeTable& table, uint16_t purpose, std::string_view subject, int64_t now) const;

  std::atomic<const PurposeTable*> table_;
  std::vector<std::unique_ptr<PurposeTable>> tables_;  // owns every snapshot
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> last_seq_{0};
};

}  // namespace optin::internal

#endif  // OPTIN_INDEX_INDEX_H_
