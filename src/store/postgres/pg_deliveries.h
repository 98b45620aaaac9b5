// File: src/store/postgres/pg_deliveries.h
//
// The deliveries table of the PostgreSQL store (docs/recipients.md): its
// statements (the table is in pg_schema.h) run through the store's `Exec` on the
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

// Inside the caller's append transaction (`only_with_key`: for subjects
// with a key).
Status InsertDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows, bool only_with_key = false);
Status EraseDeliveries(const ExecFn& exec, std::string_view subject_ref);
// Each in a transaction of its own.
Status AddDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows);
Result<std::vector<DeliveryRow>> ClaimDeliveries(const ExecFn& exec, int64_t now, int64_t lease_micros, size_t limit);
Status FinishDeliveries(const ExecFn& exec, std::span<const DeliveryRow> rows);
Result<DeliveryRow> ConfirmDelivery(const ExecFn& exec, std::string_view recipient, std::string_view id,
                                    std::string_view action, int64_t at, int64_t now);
Status ScanDeliveries(const ExecFn& exec, std::string_view recipient, std::string_view subject_ref,
                      const std::function<Status(const DeliveryRow&)>& fn);

}  // namespace optin::pg

#endif  // OPTIN_STORE_POSTGRES_PG_DELIVERIES_H_
