// store copy --from A --to B | migrate: moving a store and bringing its schema up to date.
#include <unistd.h>

#include <iostream>

#include "src/cli/cli.h"
#include "src/common/crypto.h"
#include "src/store/schema_version.h"

namespace optin::cli {

CommandResult RunStoreCopy(const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) return InvalidArgumentError("store copy needs --from STORE and --to STORE");
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> source, OpenStore(from, StoreOpenMode::kExisting));
  const bool terminal = isatty(STDERR_FILENO);
  auto progress = [terminal](uint64_t copied, uint64_t total) {
    if (terminal) std::cerr << "\roptin: copied " << copied << " of " << total << " events" << std::flush;
  };
  Result<StoreCopied> copied = CopyStore(*source, to, progress);
  if (terminal) std::cerr << "\n";
  OPTIN_RETURN_IF_ERROR(copied);
  std::cout << "copied " << copied->events << " events, " << copied->api_keys << " API keys and " << copied->log_keys
            << " log keys from " << source->Describe() << " to " << copied->target << "; head "
            << copied->head_hash << " matches\n";
  return kExitOk;
}

CommandResult RunMigrate(const Globals& g) {
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  // Opening a store brings its schema to the current version, in one
  // transaction, or refuses a newer one untouched.
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(g.db, StoreOpenMode::kExisting));
  std::cout << store->Describe() << " is at the current store schema (version " << internal::kSchemaVersion << ")\n";
  return kExitOk;
}

}  // namespace optin::cli
