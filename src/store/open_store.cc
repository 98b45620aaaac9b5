// OpenStore(): the store a location names (include/optin/store.h).
#include "optin/store.h"

namespace optin {

Result<std::unique_ptr<Store>> OpenStore(const std::string& location, StoreOpenMode mode) {
  if (location == "memory:") return NewMemoryStore();
  if (location.starts_with("postgres://") || location.starts_with("postgresql://")) {
    return OpenPostgresStore(location, mode);
  }
  if (location.empty()) return InvalidArgumentError("the store location is empty");
  std::string path = location.starts_with("sqlite:") ? location.substr(7) : location;
  return OpenSqliteStore(path, mode);
}

}  // namespace optin
