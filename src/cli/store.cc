// store copy --from A --to B | migrate: moving a store and bringing its schema up to date.
#include <unistd.h>

#include <iostream>

#include "src/cli/cli.h"
#include "src/common/crypto.h"

namespace optin::cli {
namespace {

constexpr size_t kCopyBatch = 1000;

}  // namespace

CommandResult RunStoreCopy(const std::string& from, const std::string& to) {
  if (from.empty() || to.empty()) return InvalidArgumentError("store copy needs --from STORE and --to STORE");
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> source, OpenStore(from, StoreOpenMode::kExisting));
  // The copy is checked like any store before it is written anywhere.
  OPTIN_ASSIGN_OR_RETURN(VerifyResult checked, VerifyStore(*source));
  if (!checked.intact) return DataLossError("the source does not verify: " + checked.problem);
  Result<std::unique_ptr<Store>> target = OpenStore(to, StoreOpenMode::kCreate);
  if (target.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("the target `" + to + "` exists already; store copy never writes over a store "
                              "(remove it, or name a new one)");
  }
  OPTIN_RETURN_IF_ERROR(target);
  Store& src = *source;
  Store& dst = **target;

  OPTIN_ASSIGN_OR_RETURN(std::string secret, src.Secret());
  OPTIN_RETURN_IF_ERROR(dst.AdoptSecret(secret));
  OPTIN_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> api_keys, src.ListApiKeys());
  for (const ApiKeyRow& k : api_keys) {
    OPTIN_RETURN_IF_ERROR(dst.PutApiKey(k));
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> log_keys, src.ListLogKeys());
  for (const LogKeyRow& k : log_keys) {
    OPTIN_RETURN_IF_ERROR(dst.PutLogKey(k));
  }

  // Subject keys go with the first batch of events (an empty ledger takes
  // them alone), then events in batches, each batch one transaction.
  AppendBatch batch;
  Status s = src.ScanSubjectKeys([&](const SubjectKeyRow& k) {
    batch.new_keys.push_back(k);
    return OkStatus();
  });
  OPTIN_RETURN_IF_ERROR(s);
  const bool terminal = isatty(STDERR_FILENO);
  uint64_t copied = 0;
  auto flush = [&]() -> Status {
    if (batch.events.empty() && batch.new_keys.empty()) return OkStatus();
    OPTIN_RETURN_IF_ERROR(dst.Append(batch));
    copied += batch.events.size();
    batch = AppendBatch();
    if (terminal) std::cerr << "\roptin: copied " << copied << " of " << checked.events << " events" << std::flush;
    return OkStatus();
  };
  s = src.Scan(0, [&](const StoredEvent& e) {
    batch.events.push_back(e);
    return batch.events.size() >= kCopyBatch ? flush() : OkStatus();
  });
  if (s.ok()) s = flush();
  if (terminal) std::cerr << "\n";
  OPTIN_RETURN_IF_ERROR(s);
  // Heads last: they must match the events now in place. Every head goes,
  // so that the copy can name a rewritten event as the source could.
  s = src.ScanTreeHeads(0, [&](const TreeHeadRow& head) { return dst.PutTreeHead(head).status(); });
  OPTIN_RETURN_IF_ERROR(s);

  // The final check: the copy verifies, with as many events and the same head.
  OPTIN_ASSIGN_OR_RETURN(VerifyResult copy, VerifyStore(dst));
  if (!copy.intact || copy.events != checked.events || copy.head_hash != checked.head_hash) {
    return DataLossError("the copy does not match the source: " + std::to_string(copy.events) + " events, head " +
                              copy.head_hash + (copy.intact ? "" : " (" + copy.problem + ")"));
  }
  std::cout << "copied " << copy.events << " events, " << api_keys.size() << " API keys and " << log_keys.size()
            << " log keys from " << src.Describe() << " to " << dst.Describe() << "; head " << copy.head_hash
            << " matches\n";
  return kExitOk;
}

CommandResult RunMigrate(const Globals& g) {
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  // Opening a store brings its schema to the current version, in one
  // transaction, or refuses a newer one untouched.
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(g.db, StoreOpenMode::kExisting));
  std::cout << (store)->Describe() << " is at the current store schema (version 3)\n";
  return kExitOk;
}

}  // namespace optin::cli
