// File: src/ledger/writer.h
//
// LedgerWriter appends events to a Store with group commit: concurrent
// callers queue up, the first becomes the leader and writes everyone's events
// in one durable transaction, applies them (through the Applier, in sequence
// order) and only then wakes the others. So one fsync serves many writers,
// and every appended event is applied before its writer is acknowledged.
//
// Thread-safety: Append() may be called from any number of threads.
#ifndef OPTIN_LEDGER_WRITER_H_
#define OPTIN_LEDGER_WRITER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "optin/ledger.h"
#include "optin/store.h"
#include "src/common/crypto.h"

namespace optin::internal {

// An event before it is sequenced, hashed and sealed: subject and evidence
// in clear.
// A recipient of the data to tell of an event (docs/recipients.md): by
// webhook (`push`: a delivery to send), or by its reading the change feed
// or a person confirming (available at once).
struct Notify {
  std::string recipient;
  bool push = false;
};

struct EventDraft {
  Action action = Action::kGrant;
  std::string subject;  // empty for publications
  std::string purpose;
  std::string notice;
  std::string channel;
  std::string actor;
  std::string evidence;
  std::string payload;
  // Written as deliveries in the event's own transaction.
  std::vector<Notify> notify;
};

// Called for every event in sequence order, with the subject in clear (empty
// for publications, or when the subject's key is gone) and the event's
// canonical bytes (what its hash covers).
using Applier = std::function<Status(const Event& event, std::string_view subject, std::string_view body)>;

// Signs the tree head of the log as it will be with `appended` (consecutive
// events following everything applied so far), to be kept in the same
// transaction; nullopt to keep none.
using HeadSigner = std::function<Result<std::optional<TreeHeadRow>>(std::span<const StoredEvent> appended)>;

// Checks a run of events other processes appended (consecutive, following
// everything applied so far) before any of it is applied: kDataLoss when
// they do not match the signed heads kept with their commits.
using RunCheck = std::function<Status(std::span<const StoredEvent> run)>;

class LedgerWriter {
 public:
  LedgerWriter(Store& store, const SecretKey& secret, std::function<int64_t()> clock, Applier apply,
               HeadSigner sign_head = nullptr, RunCheck check_run = nullptr);

  // Reads the whole ledger, checking every hash link, and applies it.
  // kDataLoss naming the first bad sequence number when the ledger does not
  // verify.
  Status Replay();

  // Appends `drafts` as consecutive events, atomically and durably, and
  // applies them before returning them.
  Result<std::vector<Event>> Append(std::vector<EventDraft> drafts);

  std::string SubjectRef(std::string_view subject) const;
  // The subject id in `event`, or nullopt when its key is gone.
  Result<std::optional<std::string>> OpenSubject(const Event& event);
  Result<std::optional<std::string>> OpenEvidence(const Event& event);

  uint64_t last_seq() const;

  // Takes in events that other processes appended to the store since this
  // writer last looked, applying them in order.
  Status Sync();

 private:
  struct Writer {
    std::vector<EventDraft>* drafts;
    Result<std::vector<Event>> result = InternalError("not written");
    bool done = false;
    std::condition_variable cv;
  };

  Result<std::vector<Event>> CommitGroup(const std::vector<Writer*>& group);
  // Applies events other writers appended since our tail.
  Status CatchUp();
  // The key of an event's subject: nullopt when the subject has none (it was
  // erased); an error when it cannot be read now.
  using KeyOf = std::function<Result<std::optional<SecretKey>>(const Event&)>;
  Status ApplyStored(const StoredEvent& stored, const KeyOf& key_of);

  Store& store_;
  SecretKey secret_;
  std::function<int64_t()> clock_;
  Applier apply_;
  HeadSigner sign_head_;
  RunCheck check_run_;

  std::mutex queue_mu_;
  std::deque<Writer*> queue_;
  std::mutex commit_mu_;  // held by whoever reads or extends the tail

  // Only the leader (or Replay) touches these.
  uint64_t tail_seq_ = 0;
  EventHash tail_hash_{};
  int64_t tail_time_ = 0;
  mutable std::mutex tail_mu_;  // guards reads of tail_seq_ from other threads
};

// Checks every event and hash link of `store` without applying anything.
struct VerifyReport {
  bool intact = true;
  uint64_t events = 0;
  uint64_t first_bad_seq = 0;  // when !intact
  std::string problem;         // when !intact
  EventHash head{};            // hash of the last good event
};
// `on_good_event`, when set, sees each good event's canonical bytes in order.
Result<VerifyReport> VerifyLedger(Store& store,
                                  const std::function<void(std::string_view body)>& on_good_event = nullptr);

}  // namespace optin::internal

#endif  // OPTIN_LEDGER_WRITER_H_
