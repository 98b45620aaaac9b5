#include "src/store/postgres/pg_schema.h"

#include <string>

#include "src/common/crypto.h"

namespace optin::pg {

Status CreateSchema(const ExecFn& exec, const std::function<Status(const char* sql)>& script) {
  return InTransaction(exec, [&]() -> Status {
    OPTIN_RETURN_IF_ERROR(script(kSchema));
    for (const char* migration : kMigrations) OPTIN_RETURN_IF_ERROR(script(migration));
    const SecretKey secret = RandomKey();
    return exec("INSERT INTO optin_meta(name, value) VALUES ('secret', $1), ('schema_version', $2)",
                {Bytes(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size())),
                 Bytes(std::to_string(internal::kSchemaVersion))})
        .status();
  });
}

Status MigrateSchema(const ExecFn& exec, const std::function<Status(const char* sql)>& script) {
  return InTransaction(exec, [&]() -> Status {
    // Nodes starting together: the first migrates, the others then find
    // the version it wrote.
    OPTIN_RETURN_IF_ERROR(exec("LOCK TABLE optin_meta IN EXCLUSIVE MODE", {}).status());
    OPTIN_ASSIGN_OR_RETURN(PgResult v, exec("SELECT value FROM optin_meta WHERE name = 'schema_version'", {}));
    if (v.rows() != 1) return DataLossError("the store has no schema version; it is damaged");
    const int from = std::atoi(std::string(v.Bytes(0, 0)).c_str());
    if (from < kBaseSchemaVersion || from >= internal::kSchemaVersion) return OkStatus();
    for (int version = from; version < internal::kSchemaVersion; ++version) {
      OPTIN_RETURN_IF_ERROR(script(kMigrations[version - kBaseSchemaVersion]));
    }
    return exec("UPDATE optin_meta SET value = $1 WHERE name = 'schema_version'",
                {Bytes(std::to_string(internal::kSchemaVersion))})
        .status();
  });
}

}  // namespace optin::pg
