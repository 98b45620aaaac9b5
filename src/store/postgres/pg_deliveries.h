// File: src/store/postgres/pg_deliveries.h
//
// The deliveries table of the PostgreSQL store (docs/recipients.md): its
// schema, and its statements run through the store's `Exec` on the
// connection the store leased. Several nodes claim deliveries at once:
// `FOR UPDATE SKIP LOCKED` and a lease give each to one node.
//
// Thread-safety: as the Exec it is given.
#ifndef OPTIN_STORE_POSTGRES_PG_DELIVERIES_H_
#define OPTIN_STORE_POSTGRES_PG_DELIVERIES_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "optin/store.h"
#include "src/store/postgres/pg_connection.h"

namespace optin::pg {

using ExecFn = std::function<Result<PgResult>(const std::string& sql, const std::vector<Param>& params)>;

// Schema version 3 -> 4.
inline constexpr const char* kDeliveriesSchema = R"sql(
CREATE TABLE deliveries (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, seq BIGINT NOT NULL, subject BYTEA,
  subject_ref BYTEA NOT NULL, kind TEXT NOT NULL, purpose TEXT NOT NULL, created BIGINT NOT NULL,
  needs_ack BIGINT NOT NULL, state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt BIGINT NOT NULL,
  delivered BIGINT NOT NULL, last_error TEXT NOT NULL, confirmed BIGINT NOT NULL, confirmed_action TEXT NOT NULL,
  confirmed_at BIGINT NOT NULL);
CREATE INDEX deliveries_due ON deliveries(next_attempt) WHERE state = 'pending';
CREATE INDEX deliveries_by_subject ON deliveries(subject_ref, recipient, seq);
)sql";

// Brings a store of schema 3 to 4 in one transaction, `script` running
// several statements; one another node migrated first is left as it is.
Status MigrateToDeliveries(const ExecFn& exec, const std::function<Status(const char* sql)>& script);

// Inside the caller's append transaction.
Status InsertDeliveries(const ExecFn& exec, const std::vector<DeliveryRow>& rows);
Status EraseDeliveries(const ExecFn& exec, std::string_view subject_ref);
// Each in a transaction of its own.
Result<std::vector<DeliveryRow>> ClaimDeliveries(const ExecFn& exec, int64_t now, int64_t lease_micros, size_t limit);
Status FinishDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows);
Result<DeliveryRow> ConfirmDelivery(const ExecFn& exec, std::string_view recipient, std::string_view id,
                                    std::string_view action, int64_t at, int64_t now);
Status ScanDeliveries(const ExecFn& exec, std::string_view recipient, std::string_view subject_ref,
                      const std::function<Status(const DeliveryRow&)>& fn);

}  // namespace optin::pg

#endif  // OPTIN_STORE_POSTGRES_PG_DELIVERIES_H_
