// Fuzz target: IAB GPP strings from URLs (`gpp=`), cookies and API callers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optin/signals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = optin::DecodeGppString(text);
  if (!decoded.ok()) return 0;
  // Whatever decodes can be encoded again, and decodes to the same model.
  auto encoded = optin::EncodeGppString(decoded->gpp);
  if (!encoded.ok()) __builtin_trap();
  auto again = optin::DecodeGppString(*encoded);
  if (!again.ok() || !(again->gpp == decoded->gpp)) __builtin_trap();
  auto from_json = optin::GppStringFromJson(optin::GppStringToJson(*decoded));
  if (!from_json.ok() || !(*from_json == decoded->gpp)) __builtin_trap();
  return 0;
}
