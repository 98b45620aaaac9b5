// The SQLite store: one file in WAL mode with synchronous=FULL, so a commit
// is on disk before Append returns. Schema version 4:
//
//   optin_meta(name TEXT PRIMARY KEY, value BLOB)   -- the store secret
//   events(seq INTEGER PRIMARY KEY, subject_ref BLOB, body BLOB, hash BLOB)
//   subject_keys(subject_ref BLOB PRIMARY KEY, key BLOB)
//   api_keys(name TEXT PRIMARY KEY, scope TEXT, hash BLOB UNIQUE, created INTEGER)  -- since 2
//   log_keys(key_id TEXT PRIMARY KEY, public_key BLOB, private_key BLOB,
//            created INTEGER, retired INTEGER)                              -- since 3
//   tree_heads(tree_size INTEGER PRIMARY KEY, root_hash BLOB, timestamp INTEGER,
//              key_id TEXT, signature BLOB)                                 -- since 3
//   deliveries(id TEXT PRIMARY KEY, recipient, seq, subject, subject_ref, kind,
//              purpose, ..., state, next_attempt, ..., confirmed, ...)      -- since 4
//              (sqlite_deliveries.cc)
//
// A store of an older version is migrated when opened; one of a newer
// version is refused untouched.
//
// The file is marked with PRAGMA application_id = 'OPTN' and user_version =
// the schema version; anything else is refused untouched.
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "optin/store.h"
#include "src/common/crypto.h"
#include "src/store/sqlite/sqlite_db.h"

namespace optin {
namespace {

using internal::Blob;
using internal::CheckLooksLikeSqlite;
using internal::SqliteError;
using internal::Stmt;

constexpr int kBusyTimeoutMs = 10'000;
// DO NOT CHANGE: settings' rows in optin_meta are `setting:NAME`.
constexpr std::string_view kSettingPrefix = "setting:";
// How often WaitForChange looks for other processes' commits. PRAGMA
// data_version reads the WAL index in shared memory: about a microsecond.
constexpr auto kChangePoll = std::chrono::milliseconds(1);
class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  ~SqliteStore() override {
    data_version_.reset();
    insert_event_.reset();
    insert_key_.reset();
    get_key_.reset();
    last_seq_.reset();
    begin_.reset();
    commit_.reset();
    rollback_.reset();
    sqlite3_close_v2(db_);
  }

  std::string Describe() const override { return "sqlite:" + path_; }
  sqlite3* db() const { return db_; }

  // Maps an SQLite result code to a Status that says what happened.
  Status Error(int rc, std::string_view doing) const { return SqliteError(db_, path_, rc, doing); }

  Status Exec(const char* sql, std::string_view doing) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? OkStatus() : Error(rc, doing);
  }

  Status Prepare(const char* sql, Stmt& stmt) {
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt.out(), nullptr);
    return rc == SQLITE_OK ? OkStatus() : Error(rc, "preparing a statement");
  }

  Result<int64_t> QueryInt(const char* sql) {
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(sql, s));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
    if (rc == SQLITE_DONE) return int64_t{0};
    return Error(rc, "reading");
  }

  Status Configure() {
    OPTIN_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL", "enabling WAL"));
    OPTIN_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"));
    // Deleted rows (an erased subject's key) are overwritten, not left in free pages.
    OPTIN_RETURN_IF_ERROR(Exec("PRAGMA secure_delete=ON", "setting secure_delete"));
    // Look-ups by subject land on random pages: keep many of them cached.
    OPTIN_RETURN_IF_ERROR(Exec("PRAGMA cache_size=-65536", "sizing the page cache"));
    for (auto* stmt : {&insert_event_, &insert_key_, &get_key_, &last_seq_, &begin_, &commit_, &rollback_, &data_version_}) {
      *stmt = std::make_unique<Stmt>();
    }
    OPTIN_RETURN_IF_ERROR(
        Prepare("INSERT INTO events(seq, subject_ref, body, hash) VALUES (?1, ?2, ?3, ?4)", *insert_event_));
    OPTIN_RETURN_IF_ERROR(Prepare("INSERT INTO subject_keys(subject_ref, key) VALUES (?1, ?2)", *insert_key_));
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT key FROM subject_keys WHERE subject_ref = ?1", *get_key_));
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT coalesce(max(seq), 0) FROM events", *last_seq_));
    OPTIN_RETURN_IF_ERROR(Prepare("BEGIN IMMEDIATE", *begin_));
    OPTIN_RETURN_IF_ERROR(Prepare("COMMIT", *commit_));
    OPTIN_RETURN_IF_ERROR(Prepare("ROLLBACK", *rollback_));
    OPTIN_RETURN_IF_ERROR(Prepare("PRAGMA data_version", *data_version_));
    return DataVersion().status();
  }

  // Changes whenever another connection (another process: the CLI, a
  // second server) commits; never for this connection's own commits.
  Result<int64_t> DataVersion() {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s = data_version_->get();
    sqlite3_reset(s);
    int rc = sqlite3_step(s);
    const int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW) return Error(rc, "reading the data version");
    return v;
  }

  // Returns as soon as another process commits (within kChangePoll), so
  // that a server takes in a CLI withdrawal at once.
  Status WaitForChange(int timeout_ms) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    OPTIN_ASSIGN_OR_RETURN(int64_t seen, DataVersion());
    if (seen != last_data_version_.exchange(seen)) return OkStatus();
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kChangePoll);
      OPTIN_ASSIGN_OR_RETURN(int64_t now, DataVersion());
      if (now != seen) {
        last_data_version_ = now;
        return OkStatus();
      }
    }
    return OkStatus();
  }

  // Runs a prepared statement that returns no rows.
  Status Step(Stmt& stmt, std::string_view doing) {
    sqlite3_reset(stmt.get());
    int rc = sqlite3_step(stmt.get());
    sqlite3_reset(stmt.get());
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, doing);
  }

  Status Append(const AppendBatch& batch) override {
    std::lock_guard lock(mu_);
    if (batch.events.empty() && batch.new_keys.empty() && !batch.head) return OkStatus();
    OPTIN_RETURN_IF_ERROR(Step(*begin_, "starting an append"));
    Status s = AppendInTransaction(batch);
    if (!s.ok()) {
      (void)Step(*rollback_, "rolling back an append");
      return s;
    }
    s = Step(*commit_, "committing an append");
    if (!s.ok()) {
      (void)Step(*rollback_, "rolling back an append");
      return s;
    }
    if (!batch.erased_keys.empty()) {
      // secure_delete zeroed the keys' bytes in the pages; move those pages
      // out of the WAL too, so that no copy of a destroyed key stays on disk.
      // Best effort: a reader in another process can hold the WAL back.
      (void)Exec("PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing after an erasure");
    }
    return OkStatus();
  }

  Status AppendInTransaction(const AppendBatch& batch) {
    if (!batch.events.empty()) {
      sqlite3_stmt* s = last_seq_->get();
      sqlite3_reset(s);
      int rc = sqlite3_step(s);
      int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
      sqlite3_reset(s);
      if (rc != SQLITE_ROW) return Error(rc, "reading the ledger's tail");
      if (static_cast<uint64_t>(last) + 1 != batch.events.front().seq) {
        return AlreadyExistsError("the ledger moved on: it ends at sequence " + std::to_string(last));
      }
    }
    for (const std::string& ref : batch.erased_keys) {
      Stmt del;
      OPTIN_RETURN_IF_ERROR(Prepare("DELETE FROM subject_keys WHERE subject_ref = ?1", del));
      sqlite3_bind_blob(del.get(), 1, ref.data(), static_cast<int>(ref.size()), SQLITE_STATIC);
      int rc = sqlite3_step(del.get());
      if (rc != SQLITE_DONE) return Error(rc, "destroying a subject key");
    }
    for (const auto& k : batch.new_keys) {
      sqlite3_stmt* s = insert_key_->get();
      sqlite3_reset(s);
      sqlite3_bind_blob(s, 1, k.subject_ref.data(), static_cast<int>(k.subject_ref.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 2, k.key.data(), static_cast<int>(k.key.size()), SQLITE_STATIC);
      int rc = sqlite3_step(s);
      sqlite3_reset(s);
      if ((rc & 0xff) == SQLITE_CONSTRAINT) return AlreadyExistsError("a subject key was created by another writer");
      if (rc != SQLITE_DONE) return Error(rc, "writing a subject key");
    }
    for (const auto& e : batch.events) {
      sqlite3_stmt* s = insert_event_->get();
      sqlite3_reset(s);
      sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(e.seq));
      if (e.subject_ref.empty()) sqlite3_bind_null(s, 2);
      else sqlite3_bind_blob(s, 2, e.subject_ref.data(), static_cast<int>(e.subject_ref.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 3, e.body.data(), static_cast<int>(e.body.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 4, e.hash.data(), static_cast<int>(e.hash.size()), SQLITE_STATIC);
      int rc = sqlite3_step(s);
      sqlite3_reset(s);
      if ((rc & 0xff) == SQLITE_CONSTRAINT) return AlreadyExistsError("the ledger moved on (sequence taken)");
      if (rc != SQLITE_DONE) return Error(rc, "writing an event");
    }
    if (batch.head) OPTIN_RETURN_IF_ERROR(InsertTreeHead(*batch.head));
    OPTIN_RETURN_IF_ERROR(internal::InsertDeliveries(db_, path_, batch.deliveries));
    for (const std::string& ref : batch.erased_keys) {
      OPTIN_RETURN_IF_ERROR(internal::EraseDeliveries(db_, path_, ref));
      OPTIN_RETURN_IF_ERROR(internal::EraseUsage(db_, path_, ref));
    }
    return OkStatus();
  }

  Status RecordUsage(const UsageBatch& batch) override {
    std::lock_guard lock(mu_);
    return internal::RecordUsage(db_, path_, batch);
  }

  Status ScanUsage(std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn) override {
    std::lock_guard lock(mu_);
    return internal::ScanUsage(db_, path_, subject_ref, fn);
  }

  Status ScanDeniedCounts(int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn) override {
    std::lock_guard lock(mu_);
    return internal::ScanDeniedCounts(db_, path_, since_day, fn);
  }

  Result<std::vector<DeliveryRow>> ClaimDeliveries(int64_t now, int64_t lease_micros, size_t limit) override {
    std::lock_guard lock(mu_);
    return internal::ClaimDeliveries(db_, path_, now, lease_micros, limit);
  }

  Status AddDeliveries(std::span<const DeliveryRow> rows) override {
    std::lock_guard lock(mu_);
    return internal::AddDeliveries(db_, path_, rows);
  }

  Status FinishDeliveries(std::span<const DeliveryRow> rows) override {
    std::lock_guard lock(mu_);
    return internal::FinishDeliveries(db_, path_, rows);
  }

  Result<DeliveryRow> ConfirmDelivery(std::string_view recipient, std::string_view id, std::string_view action,
                                      int64_t at, int64_t now) override {
    std::lock_guard lock(mu_);
    return internal::ConfirmDelivery(db_, path_, recipient, id, action, at, now);
  }

  Status ScanDeliveries(std::string_view recipient, std::string_view subject_ref,
                        const std::function<Status(const DeliveryRow&)>& fn) override {
    std::lock_guard lock(mu_);
    return internal::ScanDeliveries(db_, path_, recipient, subject_ref, fn);
  }

  Status ScanQuery(const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
                   const std::function<Status(const StoredEvent&)>& fn) {
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(sql, s));
    bind(s.get());
    while (true) {
      int rc = sqlite3_step(s.get());
      if (rc == SQLITE_DONE) return OkStatus();
      if (rc != SQLITE_ROW) return Error(rc, "reading the ledger");
      StoredEvent e;
      e.seq = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
      e.subject_ref = Blob(s.get(), 1);
      e.body = Blob(s.get(), 2);
      std::string_view hash = Blob(s.get(), 3);
      // A hash of the wrong size is left all zeros: it then fails the chain
      // check like any other altered hash, naming this event.
      if (hash.size() == e.hash.size()) std::memcpy(e.hash.data(), hash.data(), hash.size());
      OPTIN_RETURN_IF_ERROR(fn(e));
    }
  }

  Status Scan(uint64_t after, const std::function<Status(const StoredEvent&)>& fn) override {
    std::lock_guard lock(mu_);
    return ScanQuery(
        "SELECT seq, subject_ref, body, hash FROM events WHERE seq > ?1 ORDER BY seq",
        [after](sqlite3_stmt* s) { sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(after)); }, fn);
  }

  Status ScanSubject(std::string_view ref, const std::function<Status(const StoredEvent&)>& fn) override {
    std::lock_guard lock(mu_);
    return ScanQuery(
        "SELECT seq, subject_ref, body, hash FROM events WHERE subject_ref = ?1 ORDER BY seq",
        [ref](sqlite3_stmt* s) { sqlite3_bind_blob(s, 1, ref.data(), static_cast<int>(ref.size()), SQLITE_TRANSIENT); },
        fn);
  }

  Result<std::optional<std::string>> GetSubjectKey(std::string_view ref) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s = get_key_->get();
    sqlite3_reset(s);
    sqlite3_bind_blob(s, 1, ref.data(), static_cast<int>(ref.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s);
    Result<std::optional<std::string>> out = std::optional<std::string>();
    if (rc == SQLITE_ROW) out = std::optional<std::string>(std::string(Blob(s, 0)));
    else if (rc != SQLITE_DONE) out = Error(rc, "reading a subject key");
    sqlite3_reset(s);
    return out;
  }

  Status ScanSubjectKeys(const std::function<Status(const SubjectKeyRow&)>& fn) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT subject_ref, key FROM subject_keys", s));
    while (true) {
      int rc = sqlite3_step(s.get());
      if (rc == SQLITE_DONE) return OkStatus();
      if (rc != SQLITE_ROW) return Error(rc, "reading subject keys");
      OPTIN_RETURN_IF_ERROR(fn({std::string(Blob(s.get(), 0)), std::string(Blob(s.get(), 1))}));
    }
  }

  Result<std::string> Secret() override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT value FROM optin_meta WHERE name = 'secret'", s));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return DataLossError("the store `" + path_ + "` has lost its secret");
    if (rc != SQLITE_ROW) return Error(rc, "reading the store secret");
    std::string secret(Blob(s.get(), 0));
    if (secret.size() != kSecretKeySize) return DataLossError("the store secret in `" + path_ + "` is damaged");
    return secret;
  }

  Status AdoptSecret(std::string_view secret) override {
    std::lock_guard lock(mu_);
    auto count = QueryInt("SELECT count(*) FROM events");
    if (!count.ok()) return count.status();
    if (*count > 0) return FailedPreconditionError("`" + path_ + "` already holds events; its secret cannot change");
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("UPDATE optin_meta SET value = ?1 WHERE name = 'secret'", s));
    sqlite3_bind_blob(s.get(), 1, secret.data(), static_cast<int>(secret.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s.get());
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, "writing the store secret");
  }

  // Settings share optin_meta with the secret, under a prefix of their own.
  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT value FROM optin_meta WHERE name = ?1", s));
    const std::string key = std::string(kSettingPrefix) + std::string(name);
    sqlite3_bind_text(s.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Error(rc, "reading a setting");
    return std::optional<std::string>(std::string(Blob(s.get(), 0)));
  }

  Status PutSetting(std::string_view name, std::string_view value) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("INSERT OR REPLACE INTO optin_meta(name, value) VALUES (?1, ?2)", s));
    const std::string key = std::string(kSettingPrefix) + std::string(name);
    sqlite3_bind_text(s.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s.get());
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, "writing a setting");
  }

  Status PutApiKey(const ApiKeyRow& key) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("INSERT INTO api_keys(name, scope, hash, created) VALUES (?1, ?2, ?3, ?4)", s));
    sqlite3_bind_text(s.get(), 1, key.name.data(), static_cast<int>(key.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(s.get(), 2, key.scope.data(), static_cast<int>(key.scope.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s.get(), 3, key.hash.data(), static_cast<int>(key.hash.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s.get(), 4, key.created);
    int rc = sqlite3_step(s.get());
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return AlreadyExistsError("an API key named `" + key.name + "` exists already");
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, "writing an API key");
  }

  Result<std::vector<ApiKeyRow>> ListApiKeys() override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("SELECT name, scope, hash, created FROM api_keys ORDER BY name", s));
    std::vector<ApiKeyRow> out;
    while (true) {
      int rc = sqlite3_step(s.get());
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return Error(rc, "reading API keys");
      out.push_back({std::string(Blob(s.get(), 0)), std::string(Blob(s.get(), 1)), std::string(Blob(s.get(), 2)),
                     sqlite3_column_int64(s.get(), 3)});
    }
  }

  Status RevokeApiKey(std::string_view name) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("DELETE FROM api_keys WHERE name = ?1", s));
    sqlite3_bind_text(s.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE) return Error(rc, "revoking an API key");
    if (sqlite3_changes(db_) == 0) return NotFoundError("no API key named `" + std::string(name) + "`");
    return OkStatus();
  }

  Status PutLogKey(const LogKeyRow& key) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(
        "INSERT INTO log_keys(key_id, public_key, private_key, created, retired) VALUES (?1, ?2, ?3, ?4, ?5)", s));
    sqlite3_bind_text(s.get(), 1, key.key_id.data(), static_cast<int>(key.key_id.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s.get(), 2, key.public_key.data(), static_cast<int>(key.public_key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s.get(), 3, key.private_key.data(), static_cast<int>(key.private_key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s.get(), 4, key.created);
    sqlite3_bind_int64(s.get(), 5, key.retired);
    int rc = sqlite3_step(s.get());
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return AlreadyExistsError("log key `" + key.key_id + "` exists already");
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, "writing a log key");
  }

  Status RetireLogKey(std::string_view key_id, int64_t when) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare("UPDATE log_keys SET retired = ?2 WHERE key_id = ?1", s));
    sqlite3_bind_text(s.get(), 1, key_id.data(), static_cast<int>(key_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s.get(), 2, when);
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE) return Error(rc, "retiring a log key");
    if (sqlite3_changes(db_) == 0) return NotFoundError("no log key `" + std::string(key_id) + "`");
    return OkStatus();
  }

  Result<std::vector<LogKeyRow>> ListLogKeys() override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(
        "SELECT key_id, public_key, private_key, created, retired FROM log_keys ORDER BY created, retired = 0, key_id", s));
    std::vector<LogKeyRow> out;
    while (true) {
      int rc = sqlite3_step(s.get());
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return Error(rc, "reading log keys");
      out.push_back({std::string(Blob(s.get(), 0)), std::string(Blob(s.get(), 1)), std::string(Blob(s.get(), 2)),
                     sqlite3_column_int64(s.get(), 3), sqlite3_column_int64(s.get(), 4)});
    }
  }

  Result<TreeHeadRow> PutTreeHead(const TreeHeadRow& head) override {
    std::lock_guard lock(mu_);
    OPTIN_RETURN_IF_ERROR(InsertTreeHead(head));
    return ReadTreeHead("WHERE tree_size = " + std::to_string(head.tree_size));
  }

  Status ScanTreeHeads(uint64_t after, const std::function<Status(const TreeHeadRow&)>& fn) override {
    std::lock_guard lock(mu_);
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(
        "SELECT tree_size, root_hash, timestamp, key_id, signature FROM tree_heads WHERE tree_size > ?1 ORDER BY tree_size",
        s));
    sqlite3_bind_int64(s.get(), 1, static_cast<sqlite3_int64>(after));
    while (true) {
      int rc = sqlite3_step(s.get());
      if (rc == SQLITE_DONE) return OkStatus();
      if (rc != SQLITE_ROW) return Error(rc, "reading tree heads");
      OPTIN_RETURN_IF_ERROR(fn(HeadRow(s.get())));
    }
  }

  Result<std::optional<TreeHeadRow>> LatestTreeHead() override {
    std::lock_guard lock(mu_);
    Result<TreeHeadRow> head = ReadTreeHead("ORDER BY tree_size DESC LIMIT 1");
    if (head.status().code() == StatusCode::kNotFound) return std::optional<TreeHeadRow>();
    if (!head.ok()) return head.status();
    return std::optional<TreeHeadRow>(std::move(*head));
  }

 private:
  // Keeps `head` unless one of its size is kept already.
  Status InsertTreeHead(const TreeHeadRow& head) {
    Stmt s;
    OPTIN_RETURN_IF_ERROR(Prepare(
        "INSERT OR IGNORE INTO tree_heads(tree_size, root_hash, timestamp, key_id, signature) "
        "VALUES (?1, ?2, ?3, ?4, ?5)",
        s));
    sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(head.tree_size));
    sqlite3_bind_blob(s.get(), 2, head.root_hash.data(), static_cast<int>(head.root_hash.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s.get(), 3, head.timestamp);
    sqlite3_bind_text(s.get(), 4, head.key_id.data(), static_cast<int>(head.key_id.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s.get(), 5, head.signature.data(), static_cast<int>(head.signature.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s.get());
    return rc == SQLITE_DONE ? OkStatus() : Error(rc, "writing a tree head");
  }

  static TreeHeadRow HeadRow(sqlite3_stmt* s) {
    return TreeHeadRow{static_cast<uint64_t>(sqlite3_column_int64(s, 0)), std::string(Blob(s, 1)),
                       sqlite3_column_int64(s, 2), std::string(Blob(s, 3)), std::string(Blob(s, 4))};
  }

  // The first tree head row matching `where` (a fixed SQL tail); kNotFound
  // when there is none.
  Result<TreeHeadRow> ReadTreeHead(const std::string& where) {
    Stmt s;
    const std::string sql = "SELECT tree_size, root_hash, timestamp, key_id, signature FROM tree_heads " + where;
    OPTIN_RETURN_IF_ERROR(Prepare(sql.c_str(), s));
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return NotFoundError("no tree head");
    if (rc != SQLITE_ROW) return Error(rc, "reading a tree head");
    return HeadRow(s.get());
  }

  std::string path_;
  sqlite3* db_;
  // One connection serves every thread; calls made from a Scan callback on
  // the same thread re-enter.
  std::recursive_mutex mu_;
  std::unique_ptr<Stmt> insert_event_, insert_key_, get_key_, last_seq_, begin_, commit_, rollback_, data_version_;
  // The data version the last WaitForChange saw.
  std::atomic<int64_t> last_data_version_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, StoreOpenMode mode) {
  struct stat st;
  const bool exists = stat(path.c_str(), &st) == 0;
  if (mode == StoreOpenMode::kExisting && !exists) {
    return NotFoundError("no optin store at `" + path + "`; run `optin init` to create one");
  }
  if (mode == StoreOpenMode::kCreate && exists) {
    return AlreadyExistsError("`" + path + "` exists already; optin init never overwrites a file");
  }
  if (exists) {
    if (!S_ISREG(st.st_mode)) return FailedPreconditionError("`" + path + "` is not a regular file");
    OPTIN_RETURN_IF_ERROR(CheckLooksLikeSqlite(path));
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == StoreOpenMode::kCreate) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return FailedPreconditionError("cannot open `" + path + "`: " + msg);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  auto store = std::make_unique<SqliteStore>(path, db);
  if (mode == StoreOpenMode::kCreate) {
    Status s = internal::CreateSchema(store->db(), path);
    if (!s.ok()) {
      store.reset();
      std::remove(path.c_str());
      return s;
    }
  } else {
    OPTIN_RETURN_IF_ERROR(internal::CheckIdentity(store->db(), path));
  }
  OPTIN_RETURN_IF_ERROR(store->Configure());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace optin
