// Copying a store (`optin store copy`): everything it holds, verified before
// and after.
#include "optin/engine.h"

namespace optin {
namespace {

constexpr size_t kCopyBatch = 1000;

}  // namespace

Result<StoreCopied> CopyStore(Store& from, const std::string& to_location,
                              const std::function<void(uint64_t, uint64_t)>& progress) {
  // The source is checked like any store before anything is written.
  OPTIN_ASSIGN_OR_RETURN(VerifyResult checked, VerifyStore(from));
  if (!checked.intact) return DataLossError("the source does not verify: " + checked.problem);
  Result<std::unique_ptr<Store>> target = OpenStore(to_location, StoreOpenMode::kCreate);
  if (target.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("the target `" + to_location + "` exists already; store copy never writes over a store "
                              "(remove it, or name a new one)");
  }
  OPTIN_RETURN_IF_ERROR(target);
  Store& to = **target;

  StoreCopied copied;
  OPTIN_ASSIGN_OR_RETURN(std::string secret, from.Secret());
  OPTIN_RETURN_IF_ERROR(to.AdoptSecret(secret));
  OPTIN_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> api_keys, from.ListApiKeys());
  for (const ApiKeyRow& k : api_keys) OPTIN_RETURN_IF_ERROR(to.PutApiKey(k));
  copied.api_keys = api_keys.size();
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> log_keys, from.ListLogKeys());
  for (const LogKeyRow& k : log_keys) OPTIN_RETURN_IF_ERROR(to.PutLogKey(k));
  copied.log_keys = log_keys.size();

  // Subject keys go with the first batch of events (an empty ledger takes
  // them alone), then events in batches, each batch one transaction.
  AppendBatch batch;
  OPTIN_RETURN_IF_ERROR(from.ScanSubjectKeys([&](const SubjectKeyRow& k) {
    batch.new_keys.push_back(k);
    return OkStatus();
  }));
  uint64_t done = 0;
  auto flush = [&]() -> Status {
    if (batch.events.empty() && batch.new_keys.empty()) return OkStatus();
    OPTIN_RETURN_IF_ERROR(to.Append(batch));
    done += batch.events.size();
    batch = AppendBatch();
    if (progress) progress(done, checked.events);
    return OkStatus();
  };
  OPTIN_RETURN_IF_ERROR(from.Scan(0, [&](const StoredEvent& e) {
    batch.events.push_back(e);
    return batch.events.size() >= kCopyBatch ? flush() : OkStatus();
  }));
  OPTIN_RETURN_IF_ERROR(flush());
  // Heads last: they must match the events now in place. Every head goes,
  // so that the copy can name a rewritten event as the source could.
  OPTIN_RETURN_IF_ERROR(from.ScanTreeHeads(0, [&](const TreeHeadRow& head) { return to.PutTreeHead(head).status(); }));

  // The final check: the copy verifies, with as many events and the same head.
  OPTIN_ASSIGN_OR_RETURN(VerifyResult copy, VerifyStore(to));
  if (!copy.intact || copy.events != checked.events || copy.head_hash != checked.head_hash) {
    return DataLossError("the copy does not match the source: " + std::to_string(copy.events) + " events, head " +
                         copy.head_hash + (copy.intact ? "" : " (" + copy.problem + ")"));
  }
  copied.events = copy.events;
  copied.head_hash = copy.head_hash;
  copied.target = to.Describe();
  return copied;
}

}  // namespace optin
