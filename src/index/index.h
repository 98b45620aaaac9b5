// File: src/index/index.h
//
// The index: the current consent state of every subject, built by applying
// ledger events in sequence order, and Decide(), the default-deny decision
// function.
//
// Thread-safety: one writer (the ledger, which applies events in order) and
// any number of concurrent readers. Decide() allocates nothing and takes only
// a shared lock on one of kShards shards, so reads scale across threads. An
// event applied before a writer returns is seen by every Decide() that
// starts afterwards.
#ifndef OPTIN_INDEX_INDEX_H_
#define OPTIN_INDEX_INDEX_H_

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstring>
#include <functional>
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
#include "src/index/rw_lock.h"

namespace optin::internal {

// What the index knows about one purpose, as of the latest publication.
struct PurposeState {
  std::string id;
  bool active = false;  // in the catalog in force
  Basis basis = Basis::kConsent;
  std::string notice_version;  // current version
  // The publication that last changed the notice materially (or first
  // published it): a grant counts only if it came after.
  uint64_t material_seq = 0;
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

  // Applies a publication. Purposes whose notice version changed lapse
  // earlier grants unless named in `editorial` (and in force before);
  // purposes left out become inactive.
  void ApplyPublish(const Catalog& catalog, std::span<const std::string> editorial, uint64_t seq);
  // Applies a grant, withdrawal, signal or erasure for `subject`.
  void ApplySubjectEvent(std::string_view subject, const Event& event);
  // Applies an erasure whose subject cannot be read any more (its key was
  // destroyed with it): forgets the subject whose look-up key is
  // `event.subject_ref`, as `is_subject(id)` confirms. A scan of the index,
  // for a rare event.
  void ApplyErasureByRef(const Event& event, const std::function<bool(std::string_view subject)>& is_subject);

  Decision Decide(std::string_view subject, std::string_view purpose, int64_t now) const;

  const PurposeTable& purposes() const { return *table_.load(std::memory_order_acquire); }
  // The subject's latest word on `purpose` when it is a grant, however that
  // grant stands now (in force, lapsed by a notice change, expired, or
  // overridden by a GPC signal): its event and when it expires (0: never).
  // nullopt when the latest word is not a grant, or there is none.
  struct LatestGrant {
    uint64_t seq = 0;
    int64_t expires_at = 0;
  };
  std::optional<LatestGrant> LatestGrantOf(std::string_view subject, std::string_view purpose) const;
  // Consents that stopped applying with no word of the subject's: the
  // latest word on a consent purpose is a grant that the publication
  // numbered `material_seq` (after `after_seq`) lapsed by changing the notice
  // materially, or that expired in (after_time, until_time]. Grants a GPC
  // signal overrides are left out (the signal was told), and so are
  // purposes no longer in force.
  struct Lapse {
    std::string subject;
    std::string purpose;
    uint64_t grant_seq = 0;
    Reason reason = Reason::kExpired;  // kNoticeChanged or kExpired
  };
  std::vector<Lapse> LapsesSince(uint64_t after_seq, int64_t after_time, int64_t until_time) const;
  // Whether `subject` has sent a Global Privacy Control signal.
  bool HasGpc(std::string_view subject) const;
  size_t subject_count() const;
  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  void set_last_seq(uint64_t seq) { last_seq_.store(seq, std::memory_order_release); }

 private:
  static constexpr size_t kShardBits = 6;
  static constexpr size_t kShards = size_t{1} << kShardBits;

  // 12 bytes: the latest event of one subject about one purpose.
  struct Entry {
    // seq (40 bits: a trillion events) | action (3) | stale (1) |
    // purpose (10) | expires_ms (10).
    // stale: a grant of a notice that was not in force when it was applied.
    uint32_t packed[2];
    // For grants: when the consent expires, in seconds since the Unix epoch
    // (with expires_ms the milliseconds past it, rounded down: never late,
    // and at most a millisecond early); kNever when the purpose has no
    // `expires`. Fixed when the grant is applied: `expires` cannot change
    // without a material change (see Engine::Publish).
    uint32_t expires_s;

    uint64_t bits() const { return uint64_t{packed[0]} | uint64_t{packed[1]} << 32; }
    uint64_t seq() const { return bits() & ((uint64_t{1} << kSeqBits) - 1); }
    Action action() const { return static_cast<Action>((bits() >> kSeqBits) & 7); }
    bool stale() const { return (bits() >> (kSeqBits + 3)) & 1; }
    uint16_t purpose() const { return static_cast<uint16_t>((bits() >> (kSeqBits + 4)) & (kPurposeLimit - 1)); }
    int64_t expires_micros() const {
      return int64_t{expires_s} * 1'000'000 + static_cast<int64_t>(bits() >> (kSeqBits + 4 + kPurposeBits)) * 1000;
    }
  };
  static_assert(sizeof(Entry) == 12);
  static constexpr int kSeqBits = 40;
  static constexpr int kPurposeBits = 10;
  static constexpr uint16_t kPurposeLimit = uint16_t{1} << kPurposeBits;
  static constexpr uint32_t kNever = 0xffffffff;
  // The entry number of a subject's Global Privacy Control signal.
  static constexpr uint16_t kGpcPurpose = kPurposeLimit - 1;
  static Entry MakeEntry(uint64_t seq, Action action, bool stale, uint16_t purpose, int64_t expires_micros);

 public:
  // The most purposes a ledger can ever have published (one number is the
  // GPC signal's).
  static constexpr size_t kMaxPurposes = kPurposeLimit - 1;

 private:

  // One subject's entries, sorted by purpose number. Purposes below 64 are
  // found through `mask` without a search: bit p set means purpose p has an
  // entry, at index popcount(mask below p).
  struct Record {
    Record() = default;
    Record(Record&& other) noexcept;
    Record& operator=(Record&& other) noexcept;
    Record(const Record&) = delete;
    ~Record();

    const Entry* entries() const { return count == 1 ? &one : many; }
    const Entry* Find(uint16_t purpose) const;
    void Put(const Entry& entry);

    uint64_t mask = 0;
    uint32_t count = 0;
    // The first bytes of the subject's look-up key (subject_ref): how an
    // erasure whose subject can no longer be read (another process recorded
    // it, and destroyed the key) finds the record. In what was padding.
    uint32_t ref_tag = 0;
    union {
      Entry one;     // count == 1
      Entry* many;  // count > 1: malloc'd array of exactly `count`
    };
  };

  // Subject ids live in a per-shard arena as [u16 length][bytes]; the map
  // keys point at them, so a subject costs its id plus a 40-byte slot.
  struct IdView {
    static std::string_view Of(const char* key) {
      uint16_t n;
      std::memcpy(&n, key, sizeof n);
      return {key + sizeof n, n};
    }
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const char* key) const { return HashOf(IdView::Of(key)); }
    size_t operator()(std::string_view id) const { return HashOf(id); }
  };
  struct KeyEq {
    using is_transparent = void;
    static std::string_view View(const char* k) { return IdView::Of(k); }
    static std::string_view View(std::string_view v) { return v; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return View(a) == View(b); }
  };

  // Aligned so that readers of one shard do not slow down readers of the
  // next by sharing its lock's cache line.
  struct alignas(64) Shard {
    mutable RwSpinLock mu;
    absl::flat_hash_map<const char*, Record, KeyHash, KeyEq> subjects;
    std::vector<std::unique_ptr<char[]>> arena;  // blocks holding the ids
    size_t arena_used = 0;                        // bytes used in the last block
    const char* Intern(std::string_view id);
  };

  static uint32_t RefTag(std::string_view subject_ref);
  // The subject's hash picks its shard (top bits) and is reused for the
  // look-up inside it.
  static size_t HashOf(std::string_view subject);
  Shard& ShardFor(size_t hash) const { return shards_[hash >> (64 - kShardBits)]; }
  Decision DecideWith(const PurposeTable& table, uint16_t purpose, std::string_view subject, int64_t now) const;

  std::atomic<const PurposeTable*> table_;
  std::vector<std::unique_ptr<PurposeTable>> tables_;  // owns every snapshot
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> last_seq_{0};
};

}  // namespace optin::internal

#endif  // OPTIN_INDEX_INDEX_H_
