// Fuzz target: receipt files and tree heads handed in by customers and
// monitors (optin receipt verify, optin audit).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "optin/proof.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto receipts = optin::ReceiptsInFile(text);
  if (receipts.ok()) {
    for (const std::string& r : *receipts) {
      auto v = optin::VerifyReceipt(r, std::string(32, '\x01'));
      // A receipt no key signed can never pass.
      if (v.ok() && v->ok) __builtin_trap();
    }
  }
  auto canonical = optin::CanonicalJson(text);
  if (canonical.ok()) {
    // Canonical JSON is a fixed point.
    auto again = optin::CanonicalJson(*canonical);
    if (!again.ok() || *again != *canonical) __builtin_trap();
  }
  (void)optin::TreeHeadFromJson(text);
  (void)optin::ParseEd25519PublicKey(text);
  return 0;
}
