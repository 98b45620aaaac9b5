// File: src/store/sqlite/sqlite_db.h
//
// The SQLite file as optin lays it out (the schema, its versions and
// migrations, the `OPTN` mark) and the small tools the store works with:
// statements that finalise themselves, blobs as bytes, and SQLite's result
// codes as a Status. The store itself is sqlite_store.cc; its schema's life
// sqlite_schema.cc; its deliveries sqlite_deliveries.cc.
//
// Thread-safety: values and pure functions.
#ifndef OPTIN_STORE_SQLITE_SQLITE_DB_H_
#define OPTIN_STORE_SQLITE_SQLITE_DB_H_

#include <sqlite3.h>

#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optin/status.h"
#include "optin/store.h"
#include "src/store/schema_version.h"

namespace optin::internal {

inline constexpr int kApplicationId = 0x4f50544e;  // "OPTN"

inline constexpr const char* kSchema = R"sql(
CREATE TABLE optin_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  subject_ref BLOB,
  body BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX events_by_subject ON events(subject_ref, seq) WHERE subject_ref IS NOT NULL;
CREATE TABLE subject_keys (subject_ref BLOB PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;
)sql";

// Migrations: kMigrations[v - 1] takes a store from version v to v + 1.
inline constexpr const char* kMigrations[] = {
    // 1 -> 2: API keys.
    "CREATE TABLE api_keys (name TEXT PRIMARY KEY, scope TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, "
    "created INTEGER NOT NULL)",
    // 2 -> 3: the verifiable log's keys and signed tree heads.
    "CREATE TABLE log_keys (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, private_key BLOB NOT NULL, "
    "created INTEGER NOT NULL, retired INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE tree_heads (tree_size INTEGER PRIMARY KEY, root_hash BLOB NOT NULL, timestamp INTEGER NOT NULL, "
    "key_id TEXT NOT NULL, signature BLOB NOT NULL)",
    // 3 -> 4: deliveries to the recipients of customers' data.
    "CREATE TABLE deliveries (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, seq INTEGER NOT NULL, subject BLOB, "
    "subject_ref BLOB NOT NULL, kind TEXT NOT NULL, purpose TEXT NOT NULL, created INTEGER NOT NULL, "
    "needs_ack INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt INTEGER NOT NULL, "
    "delivered INTEGER NOT NULL, last_error TEXT NOT NULL, confirmed INTEGER NOT NULL, "
    "confirmed_action TEXT NOT NULL, confirmed_at INTEGER NOT NULL);"
    "CREATE INDEX deliveries_due ON deliveries(next_attempt) WHERE state = 'pending';"
    "CREATE INDEX deliveries_by_subject ON deliveries(subject_ref, recipient, seq)",
    // 4 -> 5: the days a subject's data was used, and denied checks counted.
    "CREATE TABLE usage_days (subject_ref BLOB NOT NULL, purpose TEXT NOT NULL, recipient TEXT NOT NULL, "
    "day INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (subject_ref, purpose, recipient, day)) "
    "WITHOUT ROWID;"
    "CREATE INDEX usage_days_expiring ON usage_days(expires);"
    "CREATE TABLE usage_denied (day INTEGER NOT NULL, purpose TEXT NOT NULL, recipient TEXT NOT NULL, "
    "reason TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, purpose, recipient, reason)) WITHOUT ROWID",
};
static_assert(std::size(kMigrations) == kSchemaVersion - 1);

// Column `col` of the current row as bytes.
inline std::string_view Blob(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, col))};
}

// A prepared statement, finalised when it goes.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt** out() { return &s_; }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

inline void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
inline void BindBytes(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// A Status that says what happened when SQLite answered `rc` while `doing`
// on the store at `path` (a full disk, corruption, a busy or read-only file).
Status SqliteError(sqlite3* db, const std::string& path, int rc, std::string_view doing);

// One statement on `db`: prepared, bound by `bind`, stepped through its
// rows (each given to `row`, when set).
Status RunSql(sqlite3* db, const std::string& path, const std::string& sql,
              const std::function<void(sqlite3_stmt*)>& bind, const std::function<Status(sqlite3_stmt*)>& row,
              std::string_view doing);
// `body` in a transaction of its own (`doing` names it in errors):
// committed when it succeeds, rolled back otherwise.
Status InTransaction(sqlite3* db, const std::string& path, std::string_view doing, const std::function<Status()>& body);

// The schema's life (sqlite_schema.cc), on an open connection `db` to the
// store at `path`. CreateSchema makes the tables, the store secret and the
// `OPTN` mark in one transaction. CheckIdentity refuses anything but an
// optin store of a schema version this code reads, and migrates an older
// one in one transaction.
Status CreateSchema(sqlite3* db, const std::string& path);
Status CheckIdentity(sqlite3* db, const std::string& path);

// Deliveries (sqlite_deliveries.cc), each on an open connection `db` to the
// store at `path`; InsertDeliveries (`only_with_key`: for subjects with a
// key) and EraseDeliveries inside the caller's append transaction, the
// others in their own.
Status InsertDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows,
                        bool only_with_key = false);
Status AddDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows);
Status EraseDeliveries(sqlite3* db, const std::string& path, std::string_view subject_ref);
Result<std::vector<DeliveryRow>> ClaimDeliveries(sqlite3* db, const std::string& path, int64_t now,
                                                 int64_t lease_micros, size_t limit);
Status FinishDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows);
Result<DeliveryRow> ConfirmDelivery(sqlite3* db, const std::string& path, std::string_view recipient,
                                    std::string_view id, std::string_view action, int64_t at, int64_t now);
Status ScanDeliveries(sqlite3* db, const std::string& path, std::string_view recipient, std::string_view subject_ref,
                      const std::function<Status(const DeliveryRow&)>& fn);

// Usage (sqlite_usage.cc): RecordUsage in a transaction of its own,
// EraseUsage inside the caller's append transaction.
Status RecordUsage(sqlite3* db, const std::string& path, const UsageBatch& batch);
Status EraseUsage(sqlite3* db, const std::string& path, std::string_view subject_ref);
Status ScanUsage(sqlite3* db, const std::string& path, std::string_view subject_ref,
                 const std::function<Status(const UsageDayRow&)>& fn);
Status ScanDeniedCounts(sqlite3* db, const std::string& path, int32_t since_day,
                        const std::function<Status(const DeniedCountRow&)>& fn);

// Looks at the first bytes without SQLite, so nothing is ever written to a
// file that is not an SQLite database. kFailedPrecondition otherwise.
Status CheckLooksLikeSqlite(const std::string& path);

}  // namespace optin::internal

#endif  // OPTIN_STORE_SQLITE_SQLITE_DB_H_
