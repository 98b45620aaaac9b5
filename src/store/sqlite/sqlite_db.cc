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
