// File: src/store/sqlite/sqlite_db.h
//
// The SQLite file as optin lays it out (the schema, its versions and
// migrations, the `OPTN` mark) and the small tools the store works with:
// statements that finalise themselves, blobs as bytes, and SQLite's result
// codes as a Status. The store itself is sqlite_store.cc.
//
// Thread-safety: values and pure functions.
#ifndef OPTIN_STORE_SQLITE_SQLITE_DB_H_
#define OPTIN_STORE_SQLITE_SQLITE_DB_H_

#include <sqlite3.h>

#include <iterator>
#include <string>
#include <string_view>

#include "optin/status.h"
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

// A Status that says what happened when SQLite answered `rc` while `doing`
// on the store at `path` (a full disk, corruption, a busy or read-only file).
Status SqliteError(sqlite3* db, const std::string& path, int rc, std::string_view doing);

// Looks at the first bytes without SQLite, so nothing is ever written to a
// file that is not an SQLite database. kFailedPrecondition otherwise.
Status CheckLooksLikeSqlite(const std::string& path);

}  // namespace optin::internal

#endif  // OPTIN_STORE_SQLITE_SQLITE_DB_H_
