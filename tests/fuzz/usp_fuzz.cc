// Fuzz target: US Privacy strings from the `usprivacy` cookie and `us_privacy=`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optin/signals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = optin::DecodeUspString(text);
  if (!decoded.ok()) return 0;
  // Whatever decodes encodes to a string that decodes to the same flags.
  auto again = optin::DecodeUspString(optin::EncodeUspString(*decoded));
  if (!again.ok() || !(*again == *decoded)) __builtin_trap();
  (void)optin::UspStringToJson(*decoded);
  return 0;
}
