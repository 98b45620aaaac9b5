// File: src/store/schema_version.h
//
// The version of optin's tables, the same in every store that keeps them
// (SQLite, PostgreSQL): 1 events and subject keys, 2 API keys, 3 the log's
// keys and signed tree heads, 4 deliveries to recipients, 5 usage days and denied
// counts. An older store is migrated when opened (or by
// `optin migrate`); a newer one is refused untouched.
#ifndef OPTIN_STORE_SCHEMA_VERSION_H_
#define OPTIN_STORE_SCHEMA_VERSION_H_

namespace optin::internal {

// DO NOT CHANGE without a migration in each store.
inline constexpr int kSchemaVersion = 5;

}  // namespace optin::internal

#endif  // OPTIN_STORE_SCHEMA_VERSION_H_
