// Catching up with other nodes on a shared store, and checking what they
// appended before it is applied.
#include "src/engine/engine_impl.h"

namespace optin {

Status Engine::Impl::CheckCaughtUp(std::span<const StoredEvent> run) {
  if (run.empty()) return OkStatus();
  const uint64_t first = run.front().seq, last = run.back().seq;
  std::vector<TreeHeadRow> heads;
  OPTIN_RETURN_IF_ERROR(ScanStatus(store->ScanTreeHeads(first - 1, [&](const TreeHeadRow& h) {
    if (h.tree_size > last) return StopScan();
    heads.push_back(h);
    return OkStatus();
  })));
  if (heads.empty()) return OkStatus();
  std::optional<internal::CompactRange> range;
  {
    absl::ReaderMutexLock lock(&tree_mu);
    if (tree.size() + 1 != first) return OkStatus();  // not in step: Apply reports it
    range.emplace(tree);
  }
  size_t next = 0;
  for (const StoredEvent& e : run) {
    range->Append(LeafHash(e.body));
    for (; next < heads.size() && heads[next].tree_size == range->size(); ++next) {
      const MerkleHash root = range->Root();
      if (heads[next].root_hash != AsBytes(root)) {
        return DataLossError("the ledger does not verify: events " + std::to_string(first) + "-" +
                             std::to_string(heads[next].tree_size) + " do not match the signed tree head of size " +
                             std::to_string(heads[next].tree_size) +
                             " kept with their commit: they were changed after they were written; run `optin "
                             "verify` for details");
      }
    }
  }
  return OkStatus();
}

Status Engine::Sync() {
  Status s = impl_->writer->Sync();
  absl::MutexLock lock(&impl_->follow_mu);
  if (s.ok()) {
    impl_->last_caught_up.store(impl_->clock(), std::memory_order_relaxed);
    impl_->follow_error.clear();
  } else {
    impl_->follow_error = s.message();
  }
  return s;
}

Status Engine::Follow(int timeout_ms) {
  Status waited = impl_->store->WaitForChange(timeout_ms);
  Status synced = Sync();
  return synced.ok() ? waited : synced;
}

int64_t Engine::lag() const { return impl_->clock() - impl_->last_caught_up.load(std::memory_order_relaxed); }

bool Engine::IsStale() const { return impl_->max_staleness > 0 && lag() > impl_->max_staleness; }

std::string Engine::follow_error() const {
  absl::MutexLock lock(&impl_->follow_mu);
  return impl_->follow_error;
}

}  // namespace optin
