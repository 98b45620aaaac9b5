// Fuzz target: ISO 8601 durations and RFC 3339 times from catalogs and users.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/common/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = optin::ParseIsoDuration(text); d.ok()) {
    // The canonical form parses back to the same duration.
    auto again = optin::ParseIsoDuration(optin::FormatIsoDuration(*d));
    if (!again.ok() || !(*again == *d)) __builtin_trap();
    (void)optin::AddDuration(0, *d);
  }
  if (auto t = optin::ParseRfc3339(text); t.ok()) {
    auto again = optin::ParseRfc3339(optin::FormatRfc3339(*t));
    if (!again.ok() || *again != *t) __builtin_trap();
  }
  return 0;
}
