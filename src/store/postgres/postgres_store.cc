// The PostgreSQL store (libpq): the same tables as the SQLite store, for
// several optin nodes sharing one database. Appends from every node are
// serialised by a transaction-level advisory lock and checked against the
// ledger's tail inside the transaction, so the ledger stays one total order
// with one hash chain; an append is acknowledged only after COMMIT returns.
// Each commit notifies channel `optin_events` with the last sequence number.
//
// The tables, their versions and migrations: pg_schema.h.
#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "optin/store.h"
#include "src/common/crypto.h"
#include "src/store/postgres/pg_connection.h"
#include "src/store/postgres/pg_deliveries.h"
#include "src/store/postgres/pg_schema.h"
#include "src/store/postgres/pg_usage.h"
#include "src/store/schema_version.h"

namespace optin {
namespace {

using internal::kSchemaVersion;
using pg::Bytes;
using pg::Int;
using pg::Param;
using pg::PgResult;
using pg::Text;

// DO NOT CHANGE: the advisory lock every node takes to append.
constexpr int64_t kAppendLock = 0x6f7074696e4c4f47;  // "optinLOG"
constexpr int kScanPage = 10'000;
constexpr size_t kPoolSize = 4;  // connections per node for store work (plus one to listen)
constexpr const char* kNotifyChannel = "optin_events";
// How long an append whose COMMIT lost its connection waits for the
// database to say whether it was committed.
constexpr auto kCommitOutcomeWait = std::chrono::seconds(10);
// DO NOT CHANGE: settings' rows in optin_meta are `setting:NAME`.
constexpr std::string_view kSettingPrefix = "setting:";


class PostgresStore final : public Store {
  using Conn = pg::Connection;

 public:
  explicit PostgresStore(std::string url) : url_(std::move(url)), described_(Describe()) {}
  ~PostgresStore() override {
    for (auto& c : all_) {
      if (c->pg) PQfinish(c->pg);
    }
    if (listen_) PQfinish(listen_);
  }

  Status Open(StoreOpenMode mode) {
    Lease lease(*this);
    OPTIN_RETURN_IF_ERROR(pg::Connect(*lease.conn(), target()));
    OPTIN_ASSIGN_OR_RETURN(PgResult exists, Exec("SELECT to_regclass('optin_meta') IS NOT NULL", {}));
    const bool has_store = exists.Bytes(0, 0) == std::string_view("\x01", 1);
    if (mode == StoreOpenMode::kCreate) {
      if (has_store) return AlreadyExistsError(Describe() + " already holds an optin store");
      return Create();
    }
    if (!has_store) return NotFoundError("no optin store in " + Describe() + "; run `optin init` first");
    OPTIN_ASSIGN_OR_RETURN(PgResult v, Exec("SELECT value FROM optin_meta WHERE name = 'schema_version'", {}));
    if (v.rows() != 1) return DataLossError(Describe() + " has no optin schema version; the store is damaged");
    const int version = std::atoi(std::string(v.Bytes(0, 0)).c_str());
    if (version > kSchemaVersion) {
      return FailedPreconditionError(Describe() + " has store schema version " + std::to_string(version) +
                                     ", newer than this optin reads (" + std::to_string(kSchemaVersion) + ")");
    }
    if (version >= 3 && version < kSchemaVersion) return Migrate();
    if (version != kSchemaVersion) {
      return FailedPreconditionError(Describe() + " has store schema version " + std::to_string(version) +
                                     "; run `optin migrate`");
    }
    return OkStatus();
  }

  // To kSchemaVersion, in one transaction.
  Status Migrate() {
    Conn* c = Current();
    if (!c) return InternalError("a PostgreSQL call without a connection");
    return pg::MigrateSchema(Executor(), [&](const char* sql) { return pg::ExecScript(*c, target(), sql); });
  }

  // Exec as a function, for the statements of pg_deliveries.cc.
  pg::ExecFn Executor() {
    return [this](const std::string& sql, const std::vector<Param>& params) { return Exec(sql, params); };
  }

  Result<std::vector<DeliveryRow>> ClaimDeliveries(int64_t now, int64_t lease_micros, size_t limit) override {
    Lease lease(*this);
    return pg::ClaimDeliveries(Executor(), now, lease_micros, limit);
  }

  Status AddDeliveries(std::span<const DeliveryRow> rows) override {
    Lease lease(*this);
    return pg::AddDeliveries(Executor(), rows);
  }

  Status FinishDeliveries(std::span<const DeliveryRow> rows) override {
    Lease lease(*this);
    return pg::FinishDeliveries(Executor(), rows);
  }

  Result<DeliveryRow> ConfirmDelivery(std::string_view recipient, std::string_view id, std::string_view action,
                                      int64_t at, int64_t now) override {
    Lease lease(*this);
    return pg::ConfirmDelivery(Executor(), recipient, id, action, at, now);
  }

  Status ScanDeliveries(std::string_view recipient, std::string_view subject_ref,
                        const std::function<Status(const DeliveryRow&)>& fn) override {
    Lease lease(*this);
    return pg::ScanDeliveries(Executor(), recipient, subject_ref, fn);
  }

  Status RecordUsage(const UsageBatch& batch) override {
    Lease lease(*this);
    return pg::RecordUsage(Executor(), batch);
  }

  Status ScanUsage(std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn) override {
    Lease lease(*this);
    return pg::ScanUsage(Executor(), subject_ref, fn);
  }

  Status ScanDeniedCounts(int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn) override {
    Lease lease(*this);
    return pg::ScanDeniedCounts(Executor(), since_day, fn);
  }

  std::string Describe() const override { return pg::WithoutPassword(url_); }

  Status Append(const AppendBatch& batch) override {
    Lease lease(*this);
    if (batch.events.empty() && batch.new_keys.empty() && !batch.head) return OkStatus();
    OPTIN_RETURN_IF_ERROR(Exec("BEGIN", {}).status());
    Status s = AppendInTransaction(batch);
    if (!s.ok()) {
      (void)Exec("ROLLBACK", {});
      return s;
    }
    Conn* c = Current();
    s = Exec("COMMIT", {}).status();
    if (s.ok()) return s;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
      (void)Exec("ROLLBACK", {});
      return s;  // the server refused the commit: nothing was recorded
    }
    // The connection went during COMMIT, which may have happened or not:
    // find out before answering, so that the caller is told what the store
    // holds (a write told "failed" and recorded all the same would be sent
    // again, and recorded twice).
    return CommitOutcome(batch, s);
  }

  // Whether the batch a lost COMMIT carried is in the store: OK when its
  // last event is there with its hash; kUnavailable "not recorded" when it
  // is not; kUnavailable "not known" when the database stays out of reach
  // for kCommitOutcomeWait.
  Status CommitOutcome(const AppendBatch& batch, const Status& lost) {
    if (batch.events.empty()) return lost;
    const StoredEvent& last = batch.events.back();
    const std::string_view hash(reinterpret_cast<const char*>(last.hash.data()), last.hash.size());
    const auto deadline = std::chrono::steady_clock::now() + kCommitOutcomeWait;
    auto pause = std::chrono::milliseconds(20);
    while (true) {
      Result<PgResult> r = Exec("SELECT hash FROM events WHERE seq = $1", {Int(static_cast<int64_t>(last.seq))});
      if (r.ok()) {
        if (r->rows() == 1 && r->Bytes(0, 0) == hash) return OkStatus();  // it was committed
        return UnavailableError(lost.message() + "; the change was not recorded");
      }
      if (std::chrono::steady_clock::now() + pause > deadline) break;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(1000));
    }
    return UnavailableError(lost.message() + "; the database stayed out of reach, so whether the change was recorded "
                            "is not known: read it back before sending it again");
  }

  // The session lock lives on one connection: it stays with this thread
  // (for its Append) until UnlockTail.
  Status LockTail() override {
    Conn* c = Acquire();
    Status s;
    {
      Lease lease(*this, c);
      s = Exec("SELECT pg_advisory_lock($1)", {Int(kAppendLock)}).status();
    }
    if (!s.ok()) {
      Release(c);
      return s;
    }
    std::lock_guard lock(pool_mu_);
    pinned_ = c;
    pinned_by_ = std::this_thread::get_id();
    return OkStatus();
  }

  void UnlockTail() override {
    Conn* c = nullptr;
    {
      std::lock_guard lock(pool_mu_);
      c = std::exchange(pinned_, nullptr);
      pinned_by_ = std::thread::id();
    }
    if (!c) return;
    {
      Lease lease(*this, c);
      // If the connection was lost, the server released the lock with the session.
      (void)Exec("SELECT pg_advisory_unlock($1)", {Int(kAppendLock)});
    }
    Release(c);
  }

  Status WaitForChange(int timeout_ms) override {
    std::lock_guard lock(listen_mu_);
    if (!listen_ || PQstatus(listen_) != CONNECTION_OK) {
      if (listen_) PQfinish(listen_);
      listen_ = pg::ConnectQuietly(url_);
      PgResult r(PQexec(listen_, (std::string("LISTEN ") + kNotifyChannel).c_str()));
      if (PQstatus(listen_) != CONNECTION_OK || r.status() != PGRES_COMMAND_OK) {
        std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
        return UnavailableError("cannot listen on " + Describe());
      }
    }
    // Notifications that came in already, else wait on the socket.
    auto drain = [this] {
      bool any = false;
      while (PGnotify* n = PQnotifies(listen_)) {
        any = true;
        PQfreemem(n);
      }
      return any;
    };
    if (PQconsumeInput(listen_) == 0) return UnavailableError("lost the listening connection to " + Describe());
    if (drain()) return OkStatus();
    pollfd pfd{PQsocket(listen_), POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) > 0) {
      if (PQconsumeInput(listen_) == 0) return UnavailableError("lost the listening connection to " + Describe());
      drain();
    }
    return OkStatus();
  }

  Status Scan(uint64_t after, const std::function<Status(const StoredEvent&)>& fn) override {
    // Page by sequence number: no long transaction, no lock held while `fn` runs.
    while (true) {
      PgResult page(nullptr);
      {
        Lease lease(*this);
        OPTIN_ASSIGN_OR_RETURN(page, Exec("SELECT seq, subject_ref, body, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT " +
                                              std::to_string(kScanPage),
                                          {Int(static_cast<int64_t>(after))}));
      }
      for (int i = 0; i < page.rows(); ++i) {
        StoredEvent e = Row(page, i);
        after = e.seq;
        OPTIN_RETURN_IF_ERROR(fn(e));
      }
      if (page.rows() < kScanPage) return OkStatus();
    }
  }

  Status ScanSubject(std::string_view subject_ref, const std::function<Status(const StoredEvent&)>& fn) override {
    PgResult rows(nullptr);
    {
      Lease lease(*this);
      OPTIN_ASSIGN_OR_RETURN(rows, Exec("SELECT seq, subject_ref, body, hash FROM events WHERE subject_ref = $1 ORDER BY seq",
                                        {Bytes(subject_ref)}));
    }
    for (int i = 0; i < rows.rows(); ++i) OPTIN_RETURN_IF_ERROR(fn(Row(rows, i)));
    return OkStatus();
  }

  Result<std::optional<std::string>> GetSubjectKey(std::string_view subject_ref) override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT key FROM subject_keys WHERE subject_ref = $1", {Bytes(subject_ref)}));
    if (r.rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(r.Bytes(0, 0)));
  }

  Status ScanSubjectKeys(const std::function<Status(const SubjectKeyRow&)>& fn) override {
    PgResult rows(nullptr);
    {
      Lease lease(*this);
      OPTIN_ASSIGN_OR_RETURN(rows, Exec("SELECT subject_ref, key FROM subject_keys ORDER BY subject_ref", {}));
    }
    for (int i = 0; i < rows.rows(); ++i) {
      OPTIN_RETURN_IF_ERROR(fn({std::string(rows.Bytes(i, 0)), std::string(rows.Bytes(i, 1))}));
    }
    return OkStatus();
  }

  Result<std::string> Secret() override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT value FROM optin_meta WHERE name = 'secret'", {}));
    if (r.rows() != 1 || r.Bytes(0, 0).size() != kSecretKeySize) {
      return DataLossError(Describe() + " has lost its store secret");
    }
    return std::string(r.Bytes(0, 0));
  }

  Status AdoptSecret(std::string_view secret) override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult count, Exec("SELECT count(*) FROM events", {}));
    if (count.Int(0, 0) > 0) return FailedPreconditionError(Describe() + " already holds events; its secret cannot change");
    return Exec("UPDATE optin_meta SET value = $1 WHERE name = 'secret'", {Bytes(secret)}).status();
  }

  Status PutApiKey(const ApiKeyRow& key) override {
    Lease lease(*this);
    Result<PgResult> r = Exec("INSERT INTO api_keys(name, scope, hash, created) VALUES ($1, $2, $3, $4)",
                              {Text(key.name), Text(key.scope), Bytes(key.hash), Int(key.created)});
    if (r.status().reason() == kUniqueViolation) return AlreadyExistsError("an API key named `" + key.name + "` exists already");
    return r.status();
  }

  Result<std::vector<ApiKeyRow>> ListApiKeys() override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT name, scope, hash, created FROM api_keys ORDER BY name", {}));
    std::vector<ApiKeyRow> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({std::string(r.Bytes(i, 0)), std::string(r.Bytes(i, 1)), std::string(r.Bytes(i, 2)), r.Int(i, 3)});
    }
    return out;
  }

  Status RevokeApiKey(std::string_view name) override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("DELETE FROM api_keys WHERE name = $1 RETURNING name", {Text(name)}));
    if (r.rows() == 0) return NotFoundError("no API key named `" + std::string(name) + "`");
    return OkStatus();
  }

  Status PutLogKey(const LogKeyRow& key) override {
    Lease lease(*this);
    Result<PgResult> r = Exec(
        "INSERT INTO log_keys(key_id, public_key, private_key, created, retired) VALUES ($1, $2, $3, $4, $5)",
        {Text(key.key_id), Bytes(key.public_key), Bytes(key.private_key), Int(key.created), Int(key.retired)});
    if (r.status().reason() == kUniqueViolation) return AlreadyExistsError("log key `" + key.key_id + "` exists already");
    return r.status();
  }

  Status RetireLogKey(std::string_view key_id, int64_t when) override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("UPDATE log_keys SET retired = $2 WHERE key_id = $1 RETURNING key_id",
                                            {Text(key_id), Int(when)}));
    if (r.rows() == 0) return NotFoundError("no log key `" + std::string(key_id) + "`");
    return OkStatus();
  }

  Result<std::vector<LogKeyRow>> ListLogKeys() override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT key_id, public_key, private_key, created, retired FROM log_keys "
                                            "ORDER BY created, retired = 0, key_id",
                                            {}));
    std::vector<LogKeyRow> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({std::string(r.Bytes(i, 0)), std::string(r.Bytes(i, 1)), std::string(r.Bytes(i, 2)), r.Int(i, 3),
                     r.Int(i, 4)});
    }
    return out;
  }

  // Settings share optin_meta with the secret, under a prefix of their own.
  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT value FROM optin_meta WHERE name = $1",
                                            {Text(std::string(kSettingPrefix) + std::string(name))}));
    if (r.rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(r.Bytes(0, 0)));
  }

  Status PutSetting(std::string_view name, std::string_view value) override {
    Lease lease(*this);
    return Exec("INSERT INTO optin_meta(name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2",
                {Text(std::string(kSettingPrefix) + std::string(name)), Bytes(value)})
        .status();
  }

  Result<TreeHeadRow> PutTreeHead(const TreeHeadRow& head) override {
    Lease lease(*this);
    OPTIN_RETURN_IF_ERROR(InsertTreeHead(head));
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT tree_size, root_hash, timestamp, key_id, signature FROM tree_heads "
                                            "WHERE tree_size = $1",
                                            {Int(static_cast<int64_t>(head.tree_size))}));
    if (r.rows() != 1) return InternalError("the tree head just kept is gone");
    return HeadRow(r, 0);
  }

  Status ScanTreeHeads(uint64_t after, const std::function<Status(const TreeHeadRow&)>& fn) override {
    std::vector<TreeHeadRow> heads;
    {
      Lease lease(*this);
      OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT tree_size, root_hash, timestamp, key_id, signature FROM tree_heads "
                                              "WHERE tree_size > $1 ORDER BY tree_size",
                                              {Int(static_cast<int64_t>(after))}));
      for (int i = 0; i < r.rows(); ++i) heads.push_back(HeadRow(r, i));
    }
    for (const TreeHeadRow& h : heads) OPTIN_RETURN_IF_ERROR(fn(h));
    return OkStatus();
  }

  Result<std::optional<TreeHeadRow>> LatestTreeHead() override {
    Lease lease(*this);
    OPTIN_ASSIGN_OR_RETURN(PgResult r, Exec("SELECT tree_size, root_hash, timestamp, key_id, signature FROM tree_heads "
                                            "ORDER BY tree_size DESC LIMIT 1",
                                            {}));
    if (r.rows() == 0) return std::optional<TreeHeadRow>();
    return std::optional<TreeHeadRow>(HeadRow(r, 0));
  }

 private:
  static constexpr std::string_view kUniqueViolation = "23505";

  // Keeps `head` unless one of its size is kept already.
  Status InsertTreeHead(const TreeHeadRow& head) {
    return Exec("INSERT INTO tree_heads(tree_size, root_hash, timestamp, key_id, signature) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING",
                {Int(static_cast<int64_t>(head.tree_size)), Bytes(head.root_hash), Int(head.timestamp),
                 Text(head.key_id), Bytes(head.signature)})
        .status();
  }

  static StoredEvent Row(const PgResult& r, int i) {
    StoredEvent e;
    e.seq = static_cast<uint64_t>(r.Int(i, 0));
    if (!r.IsNull(i, 1)) e.subject_ref = std::string(r.Bytes(i, 1));
    e.body = std::string(r.Bytes(i, 2));
    std::string_view hash = r.Bytes(i, 3);
    if (hash.size() == e.hash.size()) std::copy(hash.begin(), hash.end(), e.hash.begin());
    return e;
  }

  static TreeHeadRow HeadRow(const PgResult& r, int i) {
    return {static_cast<uint64_t>(r.Int(i, 0)), std::string(r.Bytes(i, 1)), r.Int(i, 2), std::string(r.Bytes(i, 3)),
            std::string(r.Bytes(i, 4))};
  }

  // ---- The connection pool: each call leases a connection for its
  // duration; a thread holding the tail lock keeps its own.

  pg::Target target() const { return {url_, described_}; }

  Conn* Acquire() {
    std::unique_lock lock(pool_mu_);
    if (pinned_ && pinned_by_ == std::this_thread::get_id()) return pinned_;
    pool_cv_.wait(lock, [this] { return !idle_.empty() || all_.size() < kPoolSize; });
    if (!idle_.empty()) {
      Conn* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    all_.push_back(std::make_unique<Conn>());
    return all_.back().get();
  }

  void Release(Conn* c) {
    {
      std::lock_guard lock(pool_mu_);
      if (c == pinned_) return;  // stays with its thread until UnlockTail
      idle_.push_back(c);
    }
    pool_cv_.notify_one();
  }

  // The connection a call runs on, and the one Exec uses on this thread.
  class Lease {
   public:
    explicit Lease(PostgresStore& store) : Lease(store, store.Acquire(), true) {}
    Lease(PostgresStore& store, Conn* c, bool release = false) : store_(store), conn_(c), release_(release) {
      previous_ = current_;
      current_ = {&store_, conn_};
    }
    ~Lease() {
      current_ = previous_;
      if (release_) store_.Release(conn_);
    }
    Conn* conn() const { return conn_; }

   private:
    PostgresStore& store_;
    Conn* conn_;
    bool release_;
    std::pair<PostgresStore*, Conn*> previous_;
  };

  Conn* Current() { return current_.first == this ? current_.second : nullptr; }

  // Runs `sql` as a prepared statement on the leased connection; results in
  // binary. Errors: the SQLSTATE as the status reason. A pooled connection
  // the server closed (a restart) looks fine until used: a statement that
  // finds it lost outside a transaction ran nowhere, so it is run again once
  // on a new connection. Inside a transaction the loss is the caller's
  // error: the transaction is gone, nothing of it acknowledged.
  Result<PgResult> Exec(const std::string& sql, const std::vector<Param>& params) {
    Conn* c = Current();
    if (!c) return InternalError("a PostgreSQL call without a connection");
    const bool retry = !c->in_transaction;
    Result<PgResult> r = pg::ExecPrepared(*c, target(), sql, params);
    if (!r.ok() && c->pg && PQstatus(c->pg) != CONNECTION_OK) {
      c->in_transaction = false;
      if (retry) r = pg::ExecPrepared(*c, target(), sql, params);
    }
    if (r.ok()) {
      if (sql == "BEGIN") c->in_transaction = true;
      if (sql == "COMMIT" || sql == "ROLLBACK") c->in_transaction = false;
    }
    return r;
  }

  Status Create() {
    Conn* c = Current();
    if (!c) return InternalError("a PostgreSQL call without a connection");
    return pg::CreateSchema(Executor(), [&](const char* sql) { return pg::ExecScript(*c, target(), sql); });
  }

  Status AppendInTransaction(const AppendBatch& batch) {
    OPTIN_RETURN_IF_ERROR(Exec("SELECT pg_advisory_xact_lock($1)", {Int(kAppendLock)}).status());
    if (!batch.events.empty()) {
      OPTIN_ASSIGN_OR_RETURN(PgResult tail, Exec("SELECT COALESCE(MAX(seq), 0) FROM events", {}));
      const int64_t last = tail.Int(0, 0);
      if (static_cast<uint64_t>(last) + 1 != batch.events.front().seq) {
        return AlreadyExistsError("the ledger moved on: it ends at sequence " + std::to_string(last));
      }
    }
    for (const std::string& ref : batch.erased_keys) {
      OPTIN_RETURN_IF_ERROR(Exec("DELETE FROM subject_keys WHERE subject_ref = $1", {Bytes(ref)}).status());
    }
    for (const SubjectKeyRow& k : batch.new_keys) {
      Result<PgResult> r = Exec("INSERT INTO subject_keys(subject_ref, key) VALUES ($1, $2)", {Bytes(k.subject_ref), Bytes(k.key)});
      if (r.status().reason() == kUniqueViolation) return AlreadyExistsError("a subject key was created by another writer");
      OPTIN_RETURN_IF_ERROR(r.status());
    }
    for (const StoredEvent& e : batch.events) {
      const Param ref = Bytes(e.subject_ref);
      OPTIN_RETURN_IF_ERROR(
          Exec(e.subject_ref.empty() ? "INSERT INTO events(seq, subject_ref, body, hash) VALUES ($1, NULL, $2, $3)"
                                     : "INSERT INTO events(seq, subject_ref, body, hash) VALUES ($1, $4, $2, $3)",
               e.subject_ref.empty()
                   ? std::vector<Param>{Int(static_cast<int64_t>(e.seq)), Bytes(e.body),
                                        Bytes(std::string_view(reinterpret_cast<const char*>(e.hash.data()), e.hash.size()))}
                   : std::vector<Param>{Int(static_cast<int64_t>(e.seq)), Bytes(e.body),
                                        Bytes(std::string_view(reinterpret_cast<const char*>(e.hash.data()), e.hash.size())),
                                        ref})
              .status());
    }
    if (batch.head) OPTIN_RETURN_IF_ERROR(InsertTreeHead(*batch.head));
    OPTIN_RETURN_IF_ERROR(pg::InsertDeliveries(Executor(), batch.deliveries));
    for (const std::string& ref : batch.erased_keys) {
      OPTIN_RETURN_IF_ERROR(pg::EraseDeliveries(Executor(), ref));
      OPTIN_RETURN_IF_ERROR(pg::EraseUsage(Executor(), ref));
    }
    if (!batch.events.empty()) {
      // Delivered at COMMIT, to every node that listens.
      OPTIN_RETURN_IF_ERROR(
          Exec("SELECT pg_notify($1, $2)", {Text(kNotifyChannel), Text(std::to_string(batch.events.back().seq))}).status());
    }
    return OkStatus();
  }

  std::string url_;
  std::string described_;  // Describe(): the URL without its password
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Conn>> all_;
  std::vector<Conn*> idle_;
  Conn* pinned_ = nullptr;  // holds the tail lock, for thread pinned_by_
  std::thread::id pinned_by_;
  static thread_local std::pair<PostgresStore*, Conn*> current_;
  // A second connection, only for LISTEN.
  std::mutex listen_mu_;
  PGconn* listen_ = nullptr;
};

thread_local std::pair<PostgresStore*, pg::Connection*> PostgresStore::current_{nullptr, nullptr};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, StoreOpenMode mode) {
  auto store = std::make_unique<PostgresStore>(url);
  OPTIN_RETURN_IF_ERROR(store->Open(mode));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace optin
