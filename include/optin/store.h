// File: optin/store.h
//
// Store: where the ledger lives. Three implementations ship: SQLite (one
// file, the default), PostgreSQL (shared by several nodes) and memory
// (tests). A store keeps events as the canonical
// bytes of docs/ledger_format.md together with their hash, a per-subject
// key table (the keys that make erasure possible) and a secret used to derive
// subject look-up keys.
//
// Thread-safety: implementations are safe to call from several threads; a
// call made from inside a Scan callback on the same thread is allowed.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                          OpenStore("optin.db", StoreOpenMode::kExisting));
#ifndef OPTIN_STORE_H_
#define OPTIN_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optin/ledger.h"
#include "optin/status.h"

namespace optin {

struct StoredEvent {
  uint64_t seq = 0;
  std::string subject_ref;  // copy of the event's, for look-up
  std::string body;         // EncodeEvent() bytes
  EventHash hash{};
};

struct SubjectKeyRow {
  std::string subject_ref;
  std::string key;  // 32 bytes
};

// A signed tree head as kept: the first one signed for each tree size.
struct TreeHeadRow {
  uint64_t tree_size = 0;
  std::string root_hash;  // 32 bytes
  int64_t timestamp = 0;  // milliseconds since the Unix epoch
  std::string key_id;
  std::string signature;  // 64 bytes
};

// What optin tells one recipient of a customer's data about one ledger
// event (a grant, a withdrawal, a GPC signal, an erasure), written in the
// same transaction as the event, so that an acknowledged change is never
// left untold (docs/recipients.md).
struct DeliveryRow {
  std::string id;         // `SEQ.RECIPIENT`: the webhook id and idempotency key
  std::string recipient;  // a recipient id of the catalog
  uint64_t seq = 0;       // the event
  // The subject in clear: what the recipient must act on. Cleared once an
  // erasure is confirmed, and on the subject's other deliveries when the
  // subject is erased.
  std::string subject;
  std::string subject_ref;  // the event's look-up key: per-subject order
  std::string kind;         // `grant`, `withdraw`, `signal`, `erase`, `lapse`
  std::string purpose;      // empty for a signal or an erasure
  int64_t created = 0;      // microseconds since the Unix epoch, as all times here
  bool needs_ack = false;   // a grant is told, everything else confirmed
  // `pending` (a webhook to send), `delivered` (sent, or for a recipient that
  // pulls or confirms by hand, available), `failed` (refused for good), or
  // `superseded` (the subject was erased before it was sent).
  std::string state = "pending";
  int attempts = 0;
  int64_t next_attempt = 0;  // while pending: not before
  int64_t delivered = 0;     // 0 until delivered
  std::string last_error;    // of the last failed attempt
  int64_t confirmed = 0;     // when the recipient confirmed; 0 until then
  std::string confirmed_action;  // `stopped` or `deleted`
  int64_t confirmed_at = 0;      // when it says it stopped
};

// A day on which a subject's data was used for a purpose, allowed by their
// consent (docs/usage.md): one row per subject, purpose, user and day,
// however many checks there were.
struct UsageDayRow {
  std::string subject_ref;  // the subject's look-up key, as events have it
  std::string purpose;
  std::string recipient;  // a recipient id of the catalog; empty: the company itself
  int32_t day = 0;        // days since the Unix epoch (UTC)
  int32_t expires = 0;    // the first day it is no longer kept (the purpose's retention)
  bool operator==(const UsageDayRow&) const = default;
};

// Checks that were denied, counted per day, purpose, user and reason: for
// the company (a system that keeps asking after a withdrawal is a
// finding), never per subject.
struct DeniedCountRow {
  int32_t day = 0;
  std::string purpose;    // empty for a purpose not in the catalog
  std::string recipient;  // empty: the company itself (or a user not in the catalog)
  std::string reason;     // ReasonName()
  uint64_t count = 0;
  bool operator==(const DeniedCountRow&) const = default;
};

// What checks noted since the last flush, written in one transaction.
struct UsageBatch {
  // Kept only for subjects that have a key (an erased subject's days are
  // never written back by a flush that raced the erasure); a repeat is
  // ignored.
  std::vector<UsageDayRow> days;
  std::vector<DeniedCountRow> denied;  // added to the counts kept
  // Days with `expires` at or before this are deleted (0: none).
  int32_t prune_through = 0;
};

struct AppendBatch {
  std::vector<StoredEvent> events;      // consecutive sequence numbers
  std::vector<SubjectKeyRow> new_keys;  // keys first used by these events
  // Subjects erased by these events: their keys are destroyed (before any
  // new key of the same subject in `new_keys` is written), so that nothing
  // sealed under them can be opened again, and their usage days deleted.
  std::vector<std::string> erased_keys;
  // The signed tree head of the log with these events, kept in the same
  // transaction (as PutTreeHead would), so that every append is covered by
  // a signed head (docs/log_format.md, "Signed tree heads"). Optional.
  std::optional<TreeHeadRow> head;
  // What the recipients of the data are to be told of these events.
  // Erasing a subject also supersedes its pending deliveries and clears the
  // subject of its others (all but the erasures').
  std::vector<DeliveryRow> deliveries;
};

// An API key as stored: never the key itself, only its SHA-256.
struct ApiKeyRow {
  std::string name;    // unique, e.g. `ads-pipeline`
  std::string scope;   // `check`, `write` or `admin`
  std::string hash;    // SHA-256 of the key (32 bytes)
  int64_t created = 0; // microseconds since the Unix epoch
};

// A signing key of the verifiable log (docs/log_format.md, "Keys"). The
// newest key not retired signs; retired keys stay to check old heads.
struct LogKeyRow {
  std::string key_id;       // lowercase hex, LogKeyId(public_key)
  std::string public_key;   // 32 bytes, Ed25519
  std::string private_key;  // 64 bytes
  int64_t created = 0;      // microseconds since the Unix epoch
  int64_t retired = 0;      // microseconds since the Unix epoch; 0 while in use
};

enum class StoreOpenMode {
  kCreate,    // create a new store; kAlreadyExists if there is one
  kExisting,  // open an existing store; kNotFound if there is none
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite:/path/optin.db", for messages.
  virtual std::string Describe() const = 0;

  // Writes the whole batch atomically and durably (on disk before it
  // returns OK). The first event must follow the last this store holds:
  // if another writer got there first, returns kAlreadyExists and writes
  // nothing; the caller catches up with Scan() and retries. A full disk is
  // kResourceExhausted; other failures kUnavailable. Nothing is written on
  // any error.
  virtual Status Append(const AppendBatch& batch) = 0;
  // Brackets a writer's catch-up, build and Append, so that writers in
  // other processes (other nodes) wait instead of racing for the tail. A
  // store with one writer process need not do anything. UnlockTail is called
  // once for every LockTail that returned OK.
  virtual Status LockTail() { return OkStatus(); }
  virtual void UnlockTail() {}
  // Waits up to `timeout_ms` for other processes to append (a store that can
  // tell, such as PostgreSQL with LISTEN/NOTIFY, returns as soon as one
  // does; others just wait). OK says nothing about whether anything changed:
  // the caller scans. kUnavailable when the store cannot be reached.
  virtual Status WaitForChange(int timeout_ms);

  // Calls `fn` for each event with seq > `after`, in sequence order, until
  // `fn` returns an error (which is returned).
  virtual Status Scan(uint64_t after, const std::function<Status(const StoredEvent&)>& fn) = 0;
  // Like Scan, for the events whose subject_ref is `subject_ref`.
  virtual Status ScanSubject(std::string_view subject_ref, const std::function<Status(const StoredEvent&)>& fn) = 0;

  // The per-subject key, or nullopt when the subject has none.
  virtual Result<std::optional<std::string>> GetSubjectKey(std::string_view subject_ref) = 0;
  virtual Status ScanSubjectKeys(const std::function<Status(const SubjectKeyRow&)>& fn) = 0;

  // The 32-byte secret keying subject look-ups; made when the store was
  // created and never changed.
  virtual Result<std::string> Secret() = 0;
  // Gives a new, empty store the secret of the store it is a copy of (optin
  // store copy). kFailedPrecondition once the store holds any event.
  virtual Status AdoptSecret(std::string_view secret) = 0;

  // Settings kept with the store, by name (`public_url`: where the running
  // server's preference center is reached, written by `optin serve`).
  // GetSetting: nullopt when unset. PutSetting replaces the value.
  virtual Result<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  virtual Status PutSetting(std::string_view name, std::string_view value) = 0;

  // API keys. PutApiKey: kAlreadyExists when the name is taken.
  // RevokeApiKey deletes the key; kNotFound when there is none of that name.
  virtual Status PutApiKey(const ApiKeyRow& key) = 0;
  virtual Result<std::vector<ApiKeyRow>> ListApiKeys() = 0;
  virtual Status RevokeApiKey(std::string_view name) = 0;

  // Log keys. PutLogKey: kAlreadyExists for a key id that exists.
  // RetireLogKey: kNotFound when there is no such key. ListLogKeys: oldest
  // first (made at the same time: retired ones first).
  virtual Status PutLogKey(const LogKeyRow& key) = 0;
  virtual Status RetireLogKey(std::string_view key_id, int64_t when) = 0;
  virtual Result<std::vector<LogKeyRow>> ListLogKeys() = 0;

  // Deliveries. ClaimDeliveries takes up to `limit` pending deliveries due
  // at `now` whose subject has no earlier pending one for the same
  // recipient (each subject's changes reach a recipient in order), oldest
  // first, and holds each for `lease_micros` (next_attempt moves on), so
  // that of several nodes only one sends it; one that dies lets the lease
  // run out and another sends it. FinishDeliveries writes the state,
  // attempts, next_attempt, delivered and last_error of claimed rows, in
  // one transaction.
  virtual Result<std::vector<DeliveryRow>> ClaimDeliveries(int64_t now, int64_t lease_micros, size_t limit) = 0;
  virtual Status FinishDeliveries(std::span<const DeliveryRow> rows) = 0;
  // Writes deliveries that no event of the ledger tells of (a consent that
  // lapsed: its notice changed materially, or it expired), in one
  // transaction: each only while its subject has a key (so never for a
  // subject erased meanwhile); one whose id exists is left as it is.
  virtual Status AddDeliveries(std::span<const DeliveryRow> rows) = 0;
  // Records `recipient`'s confirmation of delivery `id` (`action` at `at`,
  // received `now`) and returns the row; one confirmed already is returned
  // unchanged. Confirming an erasure clears its subject. kNotFound when
  // `recipient` has no delivery `id`.
  virtual Result<DeliveryRow> ConfirmDelivery(std::string_view recipient, std::string_view id, std::string_view action,
                                              int64_t at, int64_t now) = 0;
  // Calls `fn` for each delivery of `recipient` (empty: any) about
  // `subject_ref` (empty: any), oldest event first, until `fn` returns an
  // error (which is returned).
  virtual Status ScanDeliveries(std::string_view recipient, std::string_view subject_ref,
                                const std::function<Status(const DeliveryRow&)>& fn) = 0;

  // Usage (docs/usage.md). RecordUsage writes a batch in one transaction.
  // ScanUsage calls `fn` for each usage day of `subject_ref` (empty: of
  // every subject), by purpose, recipient and day, until `fn` returns an
  // error (which is returned). ScanDeniedCounts does the same for the
  // denied counts of days from `since_day`, by day, purpose, recipient and
  // reason.
  virtual Status RecordUsage(const UsageBatch& batch) = 0;
  virtual Status ScanUsage(std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn) = 0;
  virtual Status ScanDeniedCounts(int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn) = 0;

  // Keeps `head` unless a head of the same tree size is kept already, and
  // returns the one kept for that size.
  virtual Result<TreeHeadRow> PutTreeHead(const TreeHeadRow& head) = 0;
  // The kept head of the largest tree size, or nullopt when there is none.
  virtual Result<std::optional<TreeHeadRow>> LatestTreeHead() = 0;
  // Calls `fn` for every kept head of a tree larger than `after`, smallest
  // tree size first, until `fn` returns an error (which is returned).
  virtual Status ScanTreeHeads(uint64_t after, const std::function<Status(const TreeHeadRow&)>& fn) = 0;
};

// A store held in memory: for tests and benchmarks.
std::unique_ptr<Store> NewMemoryStore();

// The SQLite store at `path`. A file that is not an optin store, of a newer
// schema version, or corrupt is refused (kFailedPrecondition or kDataLoss)
// and never modified.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, StoreOpenMode mode);

// The PostgreSQL store at `url` (libpq: `postgresql://user@host:port/db`).
// kNotFound without a store there and mode kExisting; kAlreadyExists with one
// and kCreate; kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, StoreOpenMode mode);

// Chooses by `location`: `memory:` for an empty memory store,
// `postgres://…` or `postgresql://…` for PostgreSQL, `sqlite:PATH` or a plain
// path for SQLite.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location, StoreOpenMode mode);

}  // namespace optin

#endif  // OPTIN_STORE_H_
