#include "src/ledger/writer.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstring>

namespace optin::internal {
namespace {

// Largest number of events one group commit writes.
constexpr size_t kMaxGroupEvents = 8192;
// How often a commit that lost a race with another writer is retried.
constexpr int kMaxAppendAttempts = 16;
// Most events caught up (from other processes) checked and applied at once.
constexpr size_t kCatchUpRun = 4096;

SecretKey ToKey(std::string_view bytes) {
  SecretKey k{};
  std::memcpy(k.data(), bytes.data(), std::min(bytes.size(), k.size()));
  return k;
}

// Checks one stored event against the chain; returns its decoded form.
Result<Event> CheckLink(const StoredEvent& stored, uint64_t expected_seq, const EventHash& prev) {
  auto where = [&] { return "event " + std::to_string(expected_seq) + ": "; };
  if (stored.seq != expected_seq) {
    if (stored.seq > expected_seq) return DataLossError(where() + "missing (the next stored event is " + std::to_string(stored.seq) + ")");
    return DataLossError(where() + "stored out of order (found sequence " + std::to_string(stored.seq) + ")");
  }
  Result<Event> event = DecodeEvent(stored.body);
  if (!event.ok()) return DataLossError(where() + event.status().message());
  if (event->seq != stored.seq) {
    return DataLossError(where() + "its contents say sequence " + std::to_string(event->seq) + " (moved or reordered)");
  }
  if (event->subject_ref != stored.subject_ref) return DataLossError(where() + "its subject look-up key was changed");
  if (ChainHash(prev, stored.body) != stored.hash) {
    return DataLossError(where() + "hash mismatch: the event or the one before it was changed");
  }
  return event;
}

}  // namespace

LedgerWriter::LedgerWriter(Store& store, const SecretKey& secret, std::function<int64_t()> clock, Applier apply,
                           HeadSigner sign_head, RunCheck check_run)
    : store_(store),
      secret_(secret),
      clock_(std::move(clock)),
      apply_(std::move(apply)),
      sign_head_(std::move(sign_head)),
      check_run_(std::move(check_run)) {}

std::string LedgerWriter::SubjectRef(std::string_view subject) const {
  return std::string(AsBytes(HmacSha256(secret_, subject)));
}

uint64_t LedgerWriter::last_seq() const {
  std::lock_guard lock(tail_mu_);
  return tail_seq_;
}

Status LedgerWriter::ApplyStored(const StoredEvent& stored, const KeyOf& key_of) {
  OPTIN_ASSIGN_OR_RETURN(Event event, CheckLink(stored, tail_seq_ + 1, tail_hash_));
  std::string subject;
  if (!event.subject_ref.empty()) {
    // A key that cannot be read now is not a key that is gone: the event
    // waits (the tail stays before it) rather than be taken as erased.
    OPTIN_ASSIGN_OR_RETURN(std::optional<SecretKey> key, key_of(event));
    if (key) {
      // The hash check above proved the box is as written, so a key that does
      // not open it is a newer key: the subject was erased and came back.
      // Events from before the erasure stay unreadable and decide nothing.
      std::optional<std::string> plain = Open(*key, event.subject_box);
      if (plain) subject = std::move(*plain);
    }
  }
  OPTIN_RETURN_IF_ERROR(apply_(event, subject, stored.body));
  std::lock_guard lock(tail_mu_);
  tail_seq_ = event.seq;
  tail_hash_ = stored.hash;
  tail_time_ = std::max(tail_time_, event.time);
  return OkStatus();
}

Status LedgerWriter::Replay() {
  // Subject refs are HMAC-SHA-256 outputs: kept as fixed arrays, the map
  // needs no allocation per subject. A ref of another size (never written
  // by optin) finds no key, so its events decide nothing.
  auto ref_of = [](std::string_view ref) -> std::optional<Hash> {
    if (ref.size() != kHashSize) return std::nullopt;
    Hash h;
    std::memcpy(h.data(), ref.data(), kHashSize);
    return h;
  };
  absl::flat_hash_map<Hash, SecretKey> keys;
  OPTIN_RETURN_IF_ERROR(store_.ScanSubjectKeys([&](const SubjectKeyRow& row) {
    if (auto ref = ref_of(row.subject_ref)) keys.emplace(*ref, ToKey(row.key));
    return OkStatus();
  }));
  auto key_of = [&](const Event& e) -> Result<std::optional<SecretKey>> {
    auto ref = ref_of(e.subject_ref);
    if (!ref) return std::optional<SecretKey>();
    auto it = keys.find(*ref);
    if (it == keys.end()) return std::optional<SecretKey>();
    return std::optional<SecretKey>(it->second);
  };
  Status s = store_.Scan(tail_seq_, [&](const StoredEvent& stored) { return ApplyStored(stored, key_of); });
  if (!s.ok() && s.code() == StatusCode::kDataLoss) {
    return DataLossError("the ledger does not verify: " + s.message() + "; run `optin verify` for details");
  }
  return s;
}

Status LedgerWriter::CatchUp() {
  auto key_of = [&](const Event& e) -> Result<std::optional<SecretKey>> {
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> key, store_.GetSubjectKey(e.subject_ref));
    if (!key) return std::optional<SecretKey>();
    return std::optional<SecretKey>(ToKey(*key));
  };
  // Other processes' events, a run at a time: each run is checked against
  // the signed heads kept with its commits before any of it is applied, so
  // that events rewritten after they were committed are never taken in.
  std::vector<StoredEvent> run;
  auto apply_run = [&]() -> Status {
    if (run.empty()) return OkStatus();
    if (check_run_) OPTIN_RETURN_IF_ERROR(check_run_(run));
    for (const StoredEvent& stored : run) OPTIN_RETURN_IF_ERROR(ApplyStored(stored, key_of));
    run.clear();
    return OkStatus();
  };
  OPTIN_RETURN_IF_ERROR(store_.Scan(tail_seq_, [&](const StoredEvent& stored) {
    run.push_back(stored);
    return run.size() >= kCatchUpRun ? apply_run() : OkStatus();
  }));
  return apply_run();
}

Status LedgerWriter::Sync() {
  std::lock_guard commit(commit_mu_);
  return CatchUp();
}

Result<std::optional<std::string>> LedgerWriter::OpenSubject(const Event& event) {
  if (event.subject_ref.empty()) return std::optional<std::string>();
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> key, store_.GetSubjectKey(event.subject_ref));
  if (!key) return std::optional<std::string>();
  // Not openable: the subject was erased since (see ApplyStored).
  return Open(ToKey(*key), event.subject_box);
}

Result<std::optional<std::string>> LedgerWriter::OpenEvidence(const Event& event) {
  if (event.evidence_box.empty()) return std::optional<std::string>(std::string());
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> key, store_.GetSubjectKey(event.subject_ref));
  if (!key) return std::optional<std::string>();
  return Open(ToKey(*key), event.evidence_box);
}

Result<std::vector<Event>> LedgerWriter::Append(std::vector<EventDraft> drafts) {
  if (drafts.empty()) return std::vector<Event>();
  Writer w;
  w.drafts = &drafts;
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&w);
  while (!w.done && &w != queue_.front()) w.cv.wait(lock);
  if (w.done) return std::move(w.result);

  // This writer leads: take as many queued writers as fit in one group.
  std::vector<Writer*> group;
  size_t events = 0;
  for (Writer* other : queue_) {
    if (!group.empty() && events + other->drafts->size() > kMaxGroupEvents) break;
    group.push_back(other);
    events += other->drafts->size();
  }
  lock.unlock();
  Result<std::vector<Event>> all = [&] {
    std::lock_guard commit(commit_mu_);
    return CommitGroup(group);
  }();
  lock.lock();

  size_t offset = 0;
  for (Writer* member : group) {
    if (all.ok()) {
      auto first = all->begin() + static_cast<ptrdiff_t>(offset);
      member->result = std::vector<Event>(first, first + static_cast<ptrdiff_t>(member->drafts->size()));
      offset += member->drafts->size();
    } else {
      member->result = all.status();
    }
    member->done = true;
    queue_.pop_front();
    if (member != &w) member->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(w.result);
}

Result<std::vector<Event>> LedgerWriter::CommitGroup(const std::vector<Writer*>& group) {
  // Other nodes wait here rather than append first and make this one retry.
  OPTIN_RETURN_IF_ERROR(store_.LockTail());
  struct Unlock {
    Store& store;
    ~Unlock() { store.UnlockTail(); }
  } unlock{store_};
  OPTIN_RETURN_IF_ERROR(CatchUp());
  for (int attempt = 0; attempt < kMaxAppendAttempts; ++attempt) {
    AppendBatch batch;
    std::vector<Event> events;
    absl::flat_hash_map<std::string, SecretKey> keys;  // subjects of this batch
    absl::flat_hash_map<std::string, bool> erased;     // subjects erased earlier in this batch
    uint64_t seq = tail_seq_;
    EventHash prev = tail_hash_;
    const int64_t now = std::max(clock_(), tail_time_);  // ledger time never runs backwards
    for (Writer* member : group) {
      for (EventDraft& d : *member->drafts) {
        Event e;
        e.seq = ++seq;
        e.time = now;
        e.action = d.action;
        e.purpose = d.purpose;
        e.notice = d.notice;
        e.channel = d.channel;
        e.actor = d.actor;
        e.payload = d.payload;
        if (!d.subject.empty()) {
          e.subject_ref = SubjectRef(d.subject);
          auto it = keys.find(e.subject_ref);
          if (it == keys.end()) {
            std::optional<std::string> stored;
            // After an erasure in this batch the old key is gone: a new one.
            if (!erased.contains(e.subject_ref)) {
              OPTIN_ASSIGN_OR_RETURN(stored, store_.GetSubjectKey(e.subject_ref));
            }
            SecretKey key;
            if (stored) {
              key = ToKey(*stored);
            } else {
              key = RandomKey();
              batch.new_keys.push_back({e.subject_ref, std::string(reinterpret_cast<const char*>(key.data()), key.size())});
            }
            it = keys.emplace(e.subject_ref, key).first;
          }
          e.subject_box = Seal(it->second, d.subject);
          if (!d.evidence.empty()) e.evidence_box = Seal(it->second, d.evidence);
          if (d.action == Action::kErase) {
            batch.erased_keys.push_back(e.subject_ref);
            erased[e.subject_ref] = true;
            keys.erase(it);
            std::erase_if(batch.new_keys, [&](const SubjectKeyRow& k) { return k.subject_ref == e.subject_ref; });
          }
        }
        for (const Notify& n : d.notify) {
          DeliveryRow row;
          row.id = std::to_string(e.seq) + "." + n.recipient;
          row.recipient = n.recipient;
          row.seq = e.seq;
          row.subject = d.subject;
          row.subject_ref = e.subject_ref;
          row.kind = std::string(ActionName(d.action));
          row.purpose = d.purpose;
          row.created = now;
          row.needs_ack = d.action != Action::kGrant;
          row.state = n.push ? "pending" : "delivered";
          row.next_attempt = now;
          row.delivered = n.push ? 0 : now;
          batch.deliveries.push_back(std::move(row));
        }
        StoredEvent stored;
        stored.seq = e.seq;
        stored.subject_ref = e.subject_ref;
        stored.body = EncodeEvent(e);
        stored.hash = ChainHash(prev, stored.body);
        prev = stored.hash;
        batch.events.push_back(std::move(stored));
        events.push_back(std::move(e));
      }
    }
    // Every commit leaves a signed head covering it, so that a rewritten
    // chain cannot read as intact (docs/log_format.md).
    if (sign_head_) {
      OPTIN_ASSIGN_OR_RETURN(batch.head, sign_head_(batch.events));
    }
    Status s = store_.Append(batch);
    if (s.code() == StatusCode::kAlreadyExists) {
      // Another process appended first: take in its events, then retry.
      OPTIN_RETURN_IF_ERROR(CatchUp());
      continue;
    }
    OPTIN_RETURN_IF_ERROR(s);
    // Durable: now make it visible before anyone is acknowledged.
    size_t i = 0;
    for (Writer* member : group) {
      for (EventDraft& d : *member->drafts) {
        const StoredEvent& stored = batch.events[i];
        OPTIN_RETURN_IF_ERROR(apply_(events[i], d.subject, stored.body));
        std::lock_guard lock(tail_mu_);
        tail_seq_ = stored.seq;
        tail_hash_ = stored.hash;
        tail_time_ = now;
        ++i;
      }
    }
    return events;
  }
  return UnavailableError("the ledger is too busy: other writers kept appending first");
}

Result<VerifyReport> VerifyLedger(Store& store, const std::function<void(std::string_view body)>& on_good_event) {
  VerifyReport report;
  uint64_t expected = 1;
  EventHash prev{};
  Status s = store.Scan(0, [&](const StoredEvent& stored) {
    Result<Event> e = CheckLink(stored, expected, prev);
    if (!e.ok()) {
      report.intact = false;
      report.first_bad_seq = expected;
      report.problem = e.status().message();
      return DataLossError("stop");
    }
    if (on_good_event) on_good_event(stored.body);
    prev = stored.hash;
    report.head = prev;
    report.events = expected;
    ++expected;
    return OkStatus();
  });
  if (!s.ok() && report.intact) return s;
  return report;
}

}  // namespace optin::internal
