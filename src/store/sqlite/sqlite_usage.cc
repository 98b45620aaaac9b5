// The usage tables of the SQLite store (docs/usage.md): the days a
// subject's data was used, and denied checks counted for the company.
#include <sqlite3.h>

#include "src/store/sqlite/sqlite_db.h"

namespace optin::internal {

Status RecordUsage(sqlite3* db, const std::string& path, const UsageBatch& batch) {
  return InTransaction(db, path, "a usage update", [&]() -> Status {
    for (const UsageDayRow& u : batch.days) {
      // Not for a subject without a key: an erasure may have come first.
      OPTIN_RETURN_IF_ERROR(RunSql(
          db, path,
          "INSERT OR IGNORE INTO usage_days(subject_ref, purpose, recipient, day, expires) "
          "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM subject_keys WHERE subject_ref = ?1)",
          [&](sqlite3_stmt* s) {
            BindBytes(s, 1, u.subject_ref);
            BindText(s, 2, u.purpose);
            BindText(s, 3, u.recipient);
            sqlite3_bind_int(s, 4, u.day);
            sqlite3_bind_int(s, 5, u.expires);
          },
          nullptr, "writing a usage day"));
    }
    for (const DeniedCountRow& d : batch.denied) {
      OPTIN_RETURN_IF_ERROR(RunSql(
          db, path,
          "INSERT INTO usage_denied(day, purpose, recipient, reason, count) VALUES (?1, ?2, ?3, ?4, ?5) "
          "ON CONFLICT (day, purpose, recipient, reason) DO UPDATE SET count = count + excluded.count",
          [&](sqlite3_stmt* s) {
            sqlite3_bind_int(s, 1, d.day);
            BindText(s, 2, d.purpose);
            BindText(s, 3, d.recipient);
            BindText(s, 4, d.reason);
            sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(d.count));
          },
          nullptr, "counting denied checks"));
    }
    if (batch.prune_through == 0) return OkStatus();
    return RunSql(
        db, path, "DELETE FROM usage_days WHERE expires <= ?1",
        [&](sqlite3_stmt* s) { sqlite3_bind_int(s, 1, batch.prune_through); }, nullptr, "deleting expired usage days");
  });
}

Status EraseUsage(sqlite3* db, const std::string& path, std::string_view subject_ref) {
  return RunSql(
      db, path, "DELETE FROM usage_days WHERE subject_ref = ?1", [&](sqlite3_stmt* s) { BindBytes(s, 1, subject_ref); },
      nullptr, "erasing a subject's usage");
}

Status ScanUsage(sqlite3* db, const std::string& path, std::string_view subject_ref,
                 const std::function<Status(const UsageDayRow&)>& fn) {
  return RunSql(
      db, path,
      "SELECT subject_ref, purpose, recipient, day, expires FROM usage_days "
      "WHERE length(?1) = 0 OR subject_ref = ?1 ORDER BY purpose, recipient, day, subject_ref",
      [&](sqlite3_stmt* s) { BindBytes(s, 1, subject_ref); },
      [&](sqlite3_stmt* s) {
        return fn({.subject_ref = std::string(Blob(s, 0)),
                   .purpose = std::string(Blob(s, 1)),
                   .recipient = std::string(Blob(s, 2)),
                   .day = sqlite3_column_int(s, 3),
                   .expires = sqlite3_column_int(s, 4)});
      },
      "reading usage");
}

Status ScanDeniedCounts(sqlite3* db, const std::string& path, int32_t since_day,
                        const std::function<Status(const DeniedCountRow&)>& fn) {
  return RunSql(
      db, path,
      "SELECT day, purpose, recipient, reason, count FROM usage_denied WHERE day >= ?1 "
      "ORDER BY day, purpose, recipient, reason",
      [&](sqlite3_stmt* s) { sqlite3_bind_int(s, 1, since_day); },
      [&](sqlite3_stmt* s) {
        return fn({.day = sqlite3_column_int(s, 0),
                   .purpose = std::string(Blob(s, 1)),
                   .recipient = std::string(Blob(s, 2)),
                   .reason = std::string(Blob(s, 3)),
                   .count = static_cast<uint64_t>(sqlite3_column_int64(s, 4))});
      },
      "reading denied checks");
}

}  // namespace optin::internal
