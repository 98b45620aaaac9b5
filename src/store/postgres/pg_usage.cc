#include "src/store/postgres/pg_usage.h"

namespace optin::pg {

Status RecordUsage(const ExecFn& exec, const UsageBatch& batch) {
  return InTransaction(exec, [&]() -> Status {
    for (const UsageDayRow& u : batch.days) {
      // Not for a subject without a key: an erasure may have come first.
      OPTIN_RETURN_IF_ERROR(
          exec("INSERT INTO usage_days(subject_ref, purpose, recipient, day, expires) "
               "SELECT $1::bytea, $2::text, $3::text, $4::integer, $5::integer "
               "WHERE EXISTS (SELECT 1 FROM subject_keys WHERE subject_ref = $1::bytea) ON CONFLICT DO NOTHING",
               {Bytes(u.subject_ref), Text(u.purpose), Text(u.recipient), Int(u.day), Int(u.expires)})
              .status());
    }
    for (const DeniedCountRow& d : batch.denied) {
      OPTIN_RETURN_IF_ERROR(
          exec("INSERT INTO usage_denied(day, purpose, recipient, reason, count) VALUES ($1, $2, $3, $4, $5) "
               "ON CONFLICT (day, purpose, recipient, reason) DO UPDATE SET count = usage_denied.count + EXCLUDED.count",
               {Int(d.day), Text(d.purpose), Text(d.recipient), Text(d.reason), Int(static_cast<int64_t>(d.count))})
              .status());
    }
    if (batch.prune_through == 0) return OkStatus();
    return exec("DELETE FROM usage_days WHERE expires <= $1", {Int(batch.prune_through)}).status();
  });
}

Status EraseUsage(const ExecFn& exec, std::string_view subject_ref) {
  return exec("DELETE FROM usage_days WHERE subject_ref = $1", {Bytes(subject_ref)}).status();
}

Status ScanUsage(const ExecFn& exec, std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn) {
  // Results come in binary: INTEGER as 4 bytes big-endian, which Int reads.
  OPTIN_ASSIGN_OR_RETURN(PgResult r, exec("SELECT subject_ref, purpose, recipient, day, expires FROM usage_days "
                                          "WHERE length($1::bytea) = 0 OR subject_ref = $1::bytea "
                                          "ORDER BY purpose, recipient, day, subject_ref",
                                          {Bytes(subject_ref)}));
  for (int i = 0; i < r.rows(); ++i) {
    OPTIN_RETURN_IF_ERROR(fn({.subject_ref = std::string(r.Bytes(i, 0)),
                              .purpose = std::string(r.Bytes(i, 1)),
                              .recipient = std::string(r.Bytes(i, 2)),
                              .day = static_cast<int32_t>(r.Int(i, 3)),
                              .expires = static_cast<int32_t>(r.Int(i, 4))}));
  }
  return OkStatus();
}

Status ScanDeniedCounts(const ExecFn& exec, int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn) {
  OPTIN_ASSIGN_OR_RETURN(PgResult r, exec("SELECT day, purpose, recipient, reason, count FROM usage_denied "
                                          "WHERE day >= $1 ORDER BY day, purpose, recipient, reason",
                                          {Int(since_day)}));
  for (int i = 0; i < r.rows(); ++i) {
    OPTIN_RETURN_IF_ERROR(fn({.day = static_cast<int32_t>(r.Int(i, 0)),
                              .purpose = std::string(r.Bytes(i, 1)),
                              .recipient = std::string(r.Bytes(i, 2)),
                              .reason = std::string(r.Bytes(i, 3)),
                              .count = static_cast<uint64_t>(r.Int(i, 4))}));
  }
  return OkStatus();
}

}  // namespace optin::pg
