#include "src/store/sqlite/sqlite_db.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace optin::internal {
namespace {

constexpr char kSqliteMagic[] = "SQLite format 3";  // followed by a NUL: 16 bytes

}  // namespace

Status SqliteError(sqlite3* db, const std::string& path, int rc, std::string_view doing) {
  std::string what = std::string(doing) + " in `" + path + "`: " + sqlite3_errmsg(db);
  const int sys = sqlite3_system_errno(db);
  // A short write (SQLite then reports no errno) or one refused for space
  // is what a full disk or a file-size limit looks like.
  if (rc == SQLITE_IOERR_WRITE || ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EFBIG || sys == EDQUOT))) {
    return ResourceExhaustedError("could not write the store (is the disk full?) while " + what +
                                  "; nothing of this change was recorded");
  }
  switch (rc & 0xff) {
    case SQLITE_FULL: return ResourceExhaustedError("disk full while " + what + "; nothing of this change was recorded");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DataLossError("the store is corrupt: " + what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return UnavailableError("the store is busy: " + what);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN: return FailedPreconditionError("cannot write the store: " + what);
    default: return UnavailableError(what);
  }
}

Status RunSql(sqlite3* db, const std::string& path, const std::string& sql,
              const std::function<void(sqlite3_stmt*)>& bind, const std::function<Status(sqlite3_stmt*)>& row,
              std::string_view doing) {
  Stmt s;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, s.out(), nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, path, rc, doing);
  bind(s.get());
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (row) OPTIN_RETURN_IF_ERROR(row(s.get()));
  }
  return rc == SQLITE_DONE ? OkStatus() : SqliteError(db, path, rc, doing);
}

Status InTransaction(sqlite3* db, const std::string& path, std::string_view doing, const std::function<Status()>& body) {
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, path, rc, "starting " + std::string(doing));
  Status s = body();
  if (s.ok()) {
    rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return OkStatus();
    s = SqliteError(db, path, rc, "committing " + std::string(doing));
  }
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Status CheckLooksLikeSqlite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPreconditionError("cannot read `" + path + "`");
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() == 0) return FailedPreconditionError("`" + path + "` is an empty file, not an optin store");
  if (in.gcount() < 16 || std::memcmp(header, kSqliteMagic, sizeof kSqliteMagic) != 0) {
    return FailedPreconditionError("`" + path + "` is not an optin store (not an SQLite database); refusing to touch it");
  }
  return OkStatus();
}

}  // namespace optin::internal
