// File: src/store/postgres/pg_schema.h
//
// The PostgreSQL store's tables (the same as SQLite's, src/store/sqlite/
// sqlite_db.h; the version is kept in optin_meta row `schema_version`) and
// their migrations.
//
// Thread-safety: constants, and MigrateSchema as the ExecFn it is given.
#ifndef OPTIN_STORE_POSTGRES_PG_SCHEMA_H_
#define OPTIN_STORE_POSTGRES_PG_SCHEMA_H_

#include <functional>
#include <iterator>

#include "src/store/postgres/pg_connection.h"
#include "src/store/schema_version.h"

namespace optin::pg {

// Version 3: events, subject keys, API keys, the log's keys and heads.
inline constexpr const char* kSchema = R"sql(
CREATE TABLE optin_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE events (seq BIGINT PRIMARY KEY, subject_ref BYTEA, body BYTEA NOT NULL, hash BYTEA NOT NULL);
CREATE INDEX events_by_subject ON events(subject_ref, seq) WHERE subject_ref IS NOT NULL;
CREATE TABLE subject_keys (subject_ref BYTEA PRIMARY KEY, key BYTEA NOT NULL);
CREATE TABLE api_keys (name TEXT PRIMARY KEY, scope TEXT NOT NULL, hash BYTEA NOT NULL UNIQUE, created BIGINT NOT NULL);
CREATE TABLE log_keys (key_id TEXT PRIMARY KEY, public_key BYTEA NOT NULL, private_key BYTEA NOT NULL,
                       created BIGINT NOT NULL, retired BIGINT NOT NULL DEFAULT 0);
CREATE TABLE tree_heads (tree_size BIGINT PRIMARY KEY, root_hash BYTEA NOT NULL, timestamp BIGINT NOT NULL,
                         key_id TEXT NOT NULL, signature BYTEA NOT NULL);
)sql";

// The first version kSchema is.
inline constexpr int kBaseSchemaVersion = 3;

// kMigrations[v - kBaseSchemaVersion] takes a store from version v to v + 1.
inline constexpr const char* kMigrations[] = {
    // 3 -> 4: deliveries to the recipients of customers' data.
    R"sql(CREATE TABLE deliveries (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, seq BIGINT NOT NULL, subject BYTEA,
  subject_ref BYTEA NOT NULL, kind TEXT NOT NULL, purpose TEXT NOT NULL, created BIGINT NOT NULL,
  needs_ack BIGINT NOT NULL, state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt BIGINT NOT NULL,
  delivered BIGINT NOT NULL, last_error TEXT NOT NULL, confirmed BIGINT NOT NULL, confirmed_action TEXT NOT NULL,
  confirmed_at BIGINT NOT NULL);
CREATE INDEX deliveries_due ON deliveries(next_attempt) WHERE state = 'pending';
CREATE INDEX deliveries_by_subject ON deliveries(subject_ref, recipient, seq);
)sql",
    // 4 -> 5: the days a subject's data was used, and denied checks counted.
    R"sql(
CREATE TABLE usage_days (subject_ref BYTEA NOT NULL, purpose TEXT NOT NULL, recipient TEXT NOT NULL,
  day INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (subject_ref, purpose, recipient, day));
CREATE INDEX usage_days_expiring ON usage_days(expires);
CREATE TABLE usage_denied (day INTEGER NOT NULL, purpose TEXT NOT NULL, recipient TEXT NOT NULL,
  reason TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (day, purpose, recipient, reason));
)sql",
};
static_assert(std::size(kMigrations) == internal::kSchemaVersion - kBaseSchemaVersion);

// Creates every table, the store secret and the version in one
// transaction, `script` running several statements.
Status CreateSchema(const ExecFn& exec, const std::function<Status(const char* sql)>& script);
// Brings a store of an older schema (kBaseSchemaVersion or later) to
// kSchemaVersion in one transaction, `script` running several statements;
// a store another node migrated first is left as it is.
Status MigrateSchema(const ExecFn& exec, const std::function<Status(const char* sql)>& script);

}  // namespace optin::pg

#endif  // OPTIN_STORE_POSTGRES_PG_SCHEMA_H_
