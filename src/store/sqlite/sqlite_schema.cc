// The life of the SQLite store's schema: creating it (with the store secret
// and the `OPTN` mark), refusing files that are not optin stores of a
// version this code reads, and migrating older ones in one transaction.
#include "src/common/crypto.h"
#include "src/store/sqlite/sqlite_db.h"

namespace optin::internal {
namespace {

Status Exec(sqlite3* db, const std::string& path, const char* sql, std::string_view doing) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : SqliteError(db, path, rc, doing);
}

Result<int64_t> QueryInt(sqlite3* db, const std::string& path, const char* sql) {
  Stmt s;
  int rc = sqlite3_prepare_v2(db, sql, -1, s.out(), nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, path, rc, "reading");
  rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteError(db, path, rc, "reading");
}

// Brings a store of schema `from` to kSchemaVersion in one transaction.
Status Migrate(sqlite3* db, const std::string& path, int from) {
  if (from == kSchemaVersion) return OkStatus();
  OPTIN_RETURN_IF_ERROR(Exec(db, path, "BEGIN IMMEDIATE", "starting a schema migration"));
  Status s;
  for (int v = from; v < kSchemaVersion && s.ok(); ++v) s = Exec(db, path, kMigrations[v - 1], "migrating the schema");
  if (s.ok()) {
    const std::string pragma = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
    s = Exec(db, path, pragma.c_str(), "migrating the schema");
  }
  if (!s.ok()) {
    (void)Exec(db, path, "ROLLBACK", "rolling back a schema migration");
    return s;
  }
  return Exec(db, path, "COMMIT", "migrating the schema");
}

}  // namespace

Status CreateSchema(sqlite3* db, const std::string& path) {
  OPTIN_RETURN_IF_ERROR(Exec(db, path, "BEGIN IMMEDIATE", "starting to create the store"));
  Status s = Exec(db, path, kSchema, "creating the schema");
  for (const char* migration : kMigrations) {
    if (s.ok()) s = Exec(db, path, migration, "creating the schema");
  }
  if (s.ok()) {
    Stmt put;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO optin_meta(name, value) VALUES ('secret', ?1)", -1, put.out(), nullptr);
    if (rc == SQLITE_OK) {
      SecretKey secret = RandomKey();
      sqlite3_bind_blob(put.get(), 1, secret.data(), static_cast<int>(secret.size()), SQLITE_TRANSIENT);
      rc = sqlite3_step(put.get());
    }
    if (rc != SQLITE_DONE) s = SqliteError(db, path, rc, "writing the store secret");
  }
  if (s.ok()) {
    const std::string pragmas = "PRAGMA application_id=" + std::to_string(kApplicationId) +
                                "; PRAGMA user_version=" + std::to_string(kSchemaVersion);
    s = Exec(db, path, pragmas.c_str(), "marking the store");
  }
  if (!s.ok()) {
    (void)Exec(db, path, "ROLLBACK", "rolling back");
    return s;
  }
  return Exec(db, path, "COMMIT", "creating the store");
}

Status CheckIdentity(sqlite3* db, const std::string& path) {
  OPTIN_ASSIGN_OR_RETURN(int64_t app, QueryInt(db, path, "PRAGMA application_id"));
  if (app != kApplicationId) {
    return FailedPreconditionError("`" + path + "` is an SQLite database but not an optin store; refusing to touch it");
  }
  OPTIN_ASSIGN_OR_RETURN(int64_t version, QueryInt(db, path, "PRAGMA user_version"));
  if (version > kSchemaVersion) {
    return FailedPreconditionError("`" + path + "` has store schema version " + std::to_string(version) +
                                   ", newer than this optin reads (" + std::to_string(kSchemaVersion) +
                                   "); use a newer optin");
  }
  if (version < 1) return DataLossError("`" + path + "` has no optin schema version; the store is damaged");
  return Migrate(db, path, static_cast<int>(version));
}

}  // namespace optin::internal
