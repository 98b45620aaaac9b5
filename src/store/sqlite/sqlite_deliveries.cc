// The deliveries table of the SQLite store (docs/recipients.md): written
// with the events they tell of, claimed with a lease, finished, confirmed.
#include <sqlite3.h>

#include "src/store/sqlite/sqlite_db.h"

namespace optin::internal {
namespace {

constexpr const char* kColumns =
    "id, recipient, seq, subject, subject_ref, kind, purpose, created, needs_ack, state, attempts, next_attempt, "
    "delivered, last_error, confirmed, confirmed_action, confirmed_at";

std::string Column(sqlite3_stmt* s, int col) { return std::string(Blob(s, col)); }

DeliveryRow ReadRow(sqlite3_stmt* s) {
  DeliveryRow d;
  d.id = Column(s, 0);
  d.recipient = Column(s, 1);
  d.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
  d.subject = Column(s, 3);
  d.subject_ref = Column(s, 4);
  d.kind = Column(s, 5);
  d.purpose = Column(s, 6);
  d.created = sqlite3_column_int64(s, 7);
  d.needs_ack = sqlite3_column_int64(s, 8) != 0;
  d.state = Column(s, 9);
  d.attempts = sqlite3_column_int(s, 10);
  d.next_attempt = sqlite3_column_int64(s, 11);
  d.delivered = sqlite3_column_int64(s, 12);
  d.last_error = Column(s, 13);
  d.confirmed = sqlite3_column_int64(s, 14);
  d.confirmed_action = Column(s, 15);
  d.confirmed_at = sqlite3_column_int64(s, 16);
  return d;
}

}  // namespace

Status InsertDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows, bool only_with_key) {
  const std::string sql =
      std::string("INSERT OR IGNORE INTO deliveries(") + kColumns +
      ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17" +
      (only_with_key ? " WHERE EXISTS (SELECT 1 FROM subject_keys WHERE subject_ref = ?5)" : "");
  for (const DeliveryRow& d : rows) {
    OPTIN_RETURN_IF_ERROR(RunSql(
        db, path, sql,
        [&](sqlite3_stmt* s) {
          BindText(s, 1, d.id);
          BindText(s, 2, d.recipient);
          sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(d.seq));
          if (d.subject.empty()) sqlite3_bind_null(s, 4);
          else BindBytes(s, 4, d.subject);
          BindBytes(s, 5, d.subject_ref);
          BindText(s, 6, d.kind);
          BindText(s, 7, d.purpose);
          sqlite3_bind_int64(s, 8, d.created);
          sqlite3_bind_int(s, 9, d.needs_ack ? 1 : 0);
          BindText(s, 10, d.state);
          sqlite3_bind_int(s, 11, d.attempts);
          sqlite3_bind_int64(s, 12, d.next_attempt);
          sqlite3_bind_int64(s, 13, d.delivered);
          BindText(s, 14, d.last_error);
          sqlite3_bind_int64(s, 15, d.confirmed);
          BindText(s, 16, d.confirmed_action);
          sqlite3_bind_int64(s, 17, d.confirmed_at);
        },
        nullptr, "writing a delivery"));
  }
  return OkStatus();
}

Status AddDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows) {
  return InTransaction(db, path, "adding deliveries", [&] { return InsertDeliveries(db, path, rows, true); });
}

Status EraseDeliveries(sqlite3* db, const std::string& path, std::string_view subject_ref) {
  return RunSql(
      db, path,
      "UPDATE deliveries SET subject = NULL, state = CASE state WHEN 'pending' THEN 'superseded' ELSE state END "
      "WHERE subject_ref = ?1 AND kind != 'erase'",
      [&](sqlite3_stmt* s) { BindBytes(s, 1, subject_ref); }, nullptr, "erasing a subject's deliveries");
}

Result<std::vector<DeliveryRow>> ClaimDeliveries(sqlite3* db, const std::string& path, int64_t now,
                                                 int64_t lease_micros, size_t limit) {
  std::vector<DeliveryRow> out;
  // Most of the time nothing is due: found out without taking the write lock.
  bool any = false;
  OPTIN_RETURN_IF_ERROR(RunSql(
      db, path, "SELECT 1 FROM deliveries WHERE state = 'pending' AND next_attempt <= ?1 LIMIT 1",
      [&](sqlite3_stmt* q) { sqlite3_bind_int64(q, 1, now); },
      [&](sqlite3_stmt*) {
        any = true;
        return OkStatus();
      },
      "looking for due deliveries"));
  if (!any) return out;
  Status s = InTransaction(db, path, "a delivery update", [&]() -> Status {
    const std::string sql =
        std::string("SELECT ") + kColumns +
        " FROM deliveries d WHERE state = 'pending' AND next_attempt <= ?1 AND NOT EXISTS (SELECT 1 FROM deliveries e "
        "WHERE e.subject_ref = d.subject_ref AND e.recipient = d.recipient AND e.seq < d.seq AND e.state = 'pending') "
        "ORDER BY seq, recipient LIMIT ?2";
    OPTIN_RETURN_IF_ERROR(RunSql(
        db, path, sql,
        [&](sqlite3_stmt* q) {
          sqlite3_bind_int64(q, 1, now);
          sqlite3_bind_int64(q, 2, static_cast<sqlite3_int64>(limit));
        },
        [&](sqlite3_stmt* q) {
          out.push_back(ReadRow(q));
          return OkStatus();
        },
        "claiming deliveries"));
    for (DeliveryRow& d : out) {
      d.next_attempt = now + lease_micros;
      OPTIN_RETURN_IF_ERROR(RunSql(
          db, path, "UPDATE deliveries SET next_attempt = ?1 WHERE id = ?2",
          [&](sqlite3_stmt* q) {
            sqlite3_bind_int64(q, 1, d.next_attempt);
            BindText(q, 2, d.id);
          },
          nullptr, "claiming a delivery"));
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

Status FinishDeliveries(sqlite3* db, const std::string& path, std::span<const DeliveryRow> rows) {
  return InTransaction(db, path, "a delivery update", [&]() -> Status {
    for (const DeliveryRow& d : rows) {
      // An erasure may have superseded it while it was being sent.
      OPTIN_RETURN_IF_ERROR(RunSql(
          db, path,
          "UPDATE deliveries SET state = ?1, attempts = ?2, next_attempt = ?3, delivered = ?4, last_error = ?5 "
          "WHERE id = ?6 AND state != 'superseded'",
          [&](sqlite3_stmt* s) {
            BindText(s, 1, d.state);
            sqlite3_bind_int(s, 2, d.attempts);
            sqlite3_bind_int64(s, 3, d.next_attempt);
            sqlite3_bind_int64(s, 4, d.delivered);
            BindText(s, 5, d.last_error);
            BindText(s, 6, d.id);
          },
          nullptr, "finishing a delivery"));
    }
    return OkStatus();
  });
}

Result<DeliveryRow> ConfirmDelivery(sqlite3* db, const std::string& path, std::string_view recipient,
                                    std::string_view id, std::string_view action, int64_t at, int64_t now) {
  std::optional<DeliveryRow> out;
  Status s = InTransaction(db, path, "a delivery update", [&]() -> Status {
    OPTIN_RETURN_IF_ERROR(RunSql(
        db, path,
        "UPDATE deliveries SET confirmed = ?1, confirmed_action = ?2, confirmed_at = ?3, "
        "subject = CASE kind WHEN 'erase' THEN NULL ELSE subject END "
        "WHERE id = ?4 AND recipient = ?5 AND confirmed = 0",
        [&](sqlite3_stmt* q) {
          sqlite3_bind_int64(q, 1, now);
          BindText(q, 2, action);
          sqlite3_bind_int64(q, 3, at);
          BindText(q, 4, id);
          BindText(q, 5, recipient);
        },
        nullptr, "confirming a delivery"));
    return RunSql(
        db, path, std::string("SELECT ") + kColumns + " FROM deliveries WHERE id = ?1 AND recipient = ?2",
        [&](sqlite3_stmt* q) {
          BindText(q, 1, id);
          BindText(q, 2, recipient);
        },
        [&](sqlite3_stmt* q) {
          out = ReadRow(q);
          return OkStatus();
        },
        "reading a delivery");
  });
  if (!s.ok()) return s;
  if (!out) return NotFoundError("recipient `" + std::string(recipient) + "` has no delivery `" + std::string(id) + "`");
  return *out;
}

Status ScanDeliveries(sqlite3* db, const std::string& path, std::string_view recipient, std::string_view subject_ref,
                      const std::function<Status(const DeliveryRow&)>& fn) {
  return RunSql(
      db, path,
      std::string("SELECT ") + kColumns +
          " FROM deliveries WHERE (?1 = '' OR recipient = ?1) AND (length(?2) = 0 OR subject_ref = ?2) "
          "ORDER BY seq, recipient",
      [&](sqlite3_stmt* s) {
        BindText(s, 1, recipient);
        BindBytes(s, 2, subject_ref);
      },
      [&](sqlite3_stmt* s) { return fn(ReadRow(s)); }, "reading deliveries");
}

}  // namespace optin::internal
