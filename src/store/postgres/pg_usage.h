// File: src/store/postgres/pg_usage.h
//
// The usage tables of the PostgreSQL store (docs/usage.md; the tables are
// in pg_schema.h): the days a subject's data was used, and denied checks
// counted for the company. Several nodes flush into them at once: a day is
// written once whoever writes it, counts are added.
//
// Thread-safety: as the Exec it is given.
#ifndef OPTIN_STORE_POSTGRES_PG_USAGE_H_
#define OPTIN_STORE_POSTGRES_PG_USAGE_H_

#include <functional>
#include <string_view>

#include "optin/store.h"
#include "src/store/postgres/pg_connection.h"

namespace optin::pg {

// In a transaction of its own.
Status RecordUsage(const ExecFn& exec, const UsageBatch& batch);
// Inside the caller's append transaction.
Status EraseUsage(const ExecFn& exec, std::string_view subject_ref);
Status ScanUsage(const ExecFn& exec, std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn);
Status ScanDeniedCounts(const ExecFn& exec, int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn);

}  // namespace optin::pg

#endif  // OPTIN_STORE_POSTGRES_PG_USAGE_H_
