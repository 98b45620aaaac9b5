// Fuzz target: IAB TC strings from URLs, cookies and API callers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optin/signals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = optin::DecodeTcString(text);
  if (!decoded.ok()) return 0;
  // Whatever decodes can be encoded again, and decodes to the same model.
  auto encoded = optin::EncodeTcString(decoded->tc);
  if (!encoded.ok()) __builtin_trap();
  auto again = optin::DecodeTcString(*encoded);
  if (!again.ok() || !(again->tc == decoded->tc)) __builtin_trap();
  (void)optin::TcStringToJson(*decoded);
  return 0;
}
