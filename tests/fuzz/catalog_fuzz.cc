// Fuzz target: the catalog parser must turn any bytes into a Catalog or a
// clear error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optin/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto catalog = optin::ParseCatalog(text, "fuzz.yaml");
  if (catalog.ok()) {
    for (const auto& p : catalog->purposes) {
      if (p.notice_version.size() != 64) __builtin_trap();
    }
  } else if (catalog.status().message().empty()) {
    __builtin_trap();  // every error names what is wrong
  }
  return 0;
}
