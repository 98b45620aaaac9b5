// Fuzz target: decoding stored event bytes never crashes, and whatever
// decodes re-encodes to exactly the same bytes (the encoding is canonical).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "optin/ledger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto event = optin::DecodeEvent(bytes);
  if (event.ok() && optin::EncodeEvent(*event) != bytes) __builtin_trap();
  return 0;
}
