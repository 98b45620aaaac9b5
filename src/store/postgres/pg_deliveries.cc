#include "src/store/postgres/pg_deliveries.h"

namespace optin::pg {
namespace {

constexpr const char* kColumns =
    "id, recipient, seq, subject, subject_ref, kind, purpose, created, needs_ack, state, attempts, next_attempt, "
    "delivered, last_error, confirmed, confirmed_action, confirmed_at";

DeliveryRow ReadRow(const PgResult& r, int i) {
  DeliveryRow d;
  d.id = std::string(r.Bytes(i, 0));
  d.recipient = std::string(r.Bytes(i, 1));
  d.seq = static_cast<uint64_t>(r.Int(i, 2));
  if (!r.IsNull(i, 3)) d.subject = std::string(r.Bytes(i, 3));
  d.subject_ref = std::string(r.Bytes(i, 4));
  d.kind = std::string(r.Bytes(i, 5));
  d.purpose = std::string(r.Bytes(i, 6));
  d.created = r.Int(i, 7);
  d.needs_ack = r.Int(i, 8) != 0;
  d.state = std::string(r.Bytes(i, 9));
  d.attempts = static_cast<int>(r.Int(i, 10));
  d.next_attempt = r.Int(i, 11);
  d.delivered = r.Int(i, 12);
  d.last_error = std::string(r.Bytes(i, 13));
  d.confirmed = r.Int(i, 14);
  d.confirmed_action = std::string(r.Bytes(i, 15));
  d.confirmed_at = r.Int(i, 16);
  return d;
}

}  // namespace

Status InsertDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows, bool only_with_key) {
  const std::string sql =
      std::string("INSERT INTO deliveries(") + kColumns +
      ") SELECT $1::text, $2::text, $3::bigint, $4::bytea, $5::bytea, $6::text, $7::text, $8::bigint, $9::bigint, "
      "$10::text, $11::bigint, $12::bigint, $13::bigint, $14::text, $15::bigint, $16::text, $17::bigint" +
      (only_with_key ? " WHERE EXISTS (SELECT 1 FROM subject_keys WHERE subject_ref = $5::bytea)" : "") +
      " ON CONFLICT (id) DO NOTHING";
  for (const DeliveryRow& d : rows) {
    Param subject = Bytes(d.subject);
    OPTIN_RETURN_IF_ERROR(exec(sql, {Text(d.id), Text(d.recipient), Int(static_cast<int64_t>(d.seq)), subject,
                                     Bytes(d.subject_ref), Text(d.kind), Text(d.purpose), Int(d.created),
                                     Int(d.needs_ack ? 1 : 0), Text(d.state), Int(d.attempts), Int(d.next_attempt),
                                     Int(d.delivered), Text(d.last_error), Int(d.confirmed), Text(d.confirmed_action),
                                     Int(d.confirmed_at)})
                              .status());
  }
  return OkStatus();
}

Status AddDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows) {
  return InTransaction(exec, [&] { return InsertDeliveries(exec, rows, true); });
}

Status EraseDeliveries(const ExecFn& exec, std::string_view subject_ref) {
  return exec("UPDATE deliveries SET subject = NULL, state = CASE state WHEN 'pending' THEN 'superseded' ELSE state "
              "END WHERE subject_ref = $1 AND kind <> 'erase'",
              {Bytes(subject_ref)})
      .status();
}

Result<std::vector<DeliveryRow>> ClaimDeliveries(const ExecFn& exec, int64_t now, int64_t lease_micros, size_t limit) {
  std::vector<DeliveryRow> out;
  Status s = InTransaction(exec, [&]() -> Status {
    // Rows another node holds are skipped, not waited for; once it commits
    // their next attempt lies in the future.
    OPTIN_ASSIGN_OR_RETURN(
        PgResult r,
        exec(std::string("SELECT ") + kColumns +
                 " FROM deliveries d WHERE state = 'pending' AND next_attempt <= $1 AND NOT EXISTS (SELECT 1 FROM "
                 "deliveries e WHERE e.subject_ref = d.subject_ref AND e.recipient = d.recipient AND e.seq < d.seq AND "
                 "e.state = 'pending') ORDER BY seq, recipient LIMIT $2 FOR UPDATE SKIP LOCKED",
             {Int(now), Int(static_cast<int64_t>(limit))}));
    for (int i = 0; i < r.rows(); ++i) out.push_back(ReadRow(r, i));
    for (DeliveryRow& d : out) {
      d.next_attempt = now + lease_micros;
      OPTIN_RETURN_IF_ERROR(
          exec("UPDATE deliveries SET next_attempt = $1 WHERE id = $2", {Int(d.next_attempt), Text(d.id)}).status());
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

Status FinishDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows) {
  return InTransaction(exec, [&]() -> Status {
    for (const DeliveryRow& d : rows) {
      // An erasure may have superseded it while it was being sent.
      OPTIN_RETURN_IF_ERROR(
          exec("UPDATE deliveries SET state = $1, attempts = $2, next_attempt = $3, delivered = $4, last_error = $5 "
               "WHERE id = $6 AND state <> 'superseded'",
               {Text(d.state), Int(d.attempts), Int(d.next_attempt), Int(d.delivered), Text(d.last_error), Text(d.id)})
              .status());
    }
    return OkStatus();
  });
}

Result<DeliveryRow> ConfirmDelivery(const ExecFn& exec, std::string_view recipient, std::string_view id,
                                    std::string_view action, int64_t at, int64_t now) {
  std::optional<DeliveryRow> out;
  Status s = InTransaction(exec, [&]() -> Status {
    OPTIN_RETURN_IF_ERROR(exec("UPDATE deliveries SET confirmed = $1, confirmed_action = $2, confirmed_at = $3, "
                               "subject = CASE kind WHEN 'erase' THEN NULL ELSE subject END "
                               "WHERE id = $4 AND recipient = $5 AND confirmed = 0",
                               {Int(now), Text(action), Int(at), Text(id), Text(recipient)})
                              .status());
    OPTIN_ASSIGN_OR_RETURN(PgResult r, exec(std::string("SELECT ") + kColumns +
                                                " FROM deliveries WHERE id = $1 AND recipient = $2",
                                            {Text(id), Text(recipient)}));
    if (r.rows() == 1) out = ReadRow(r, 0);
    return OkStatus();
  });
  if (!s.ok()) return s;
  if (!out) return NotFoundError("recipient `" + std::string(recipient) + "` has no delivery `" + std::string(id) + "`");
  return *out;
}

Status ScanDeliveries(const ExecFn& exec, std::string_view recipient, std::string_view subject_ref,
                      const std::function<Status(const DeliveryRow&)>& fn) {
  OPTIN_ASSIGN_OR_RETURN(PgResult r, exec(std::string("SELECT ") + kColumns +
                                              " FROM deliveries WHERE ($1::text = '' OR recipient = $1::text) AND "
                                              "(length($2::bytea) = 0 OR subject_ref = $2::bytea) ORDER BY seq, recipient",
                                          {Text(recipient), Bytes(subject_ref)}));
  for (int i = 0; i < r.rows(); ++i) OPTIN_RETURN_IF_ERROR(fn(ReadRow(r, i)));
  return OkStatus();
}

}  // namespace optin::pg
