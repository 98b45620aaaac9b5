// The verifiable log (docs/log_format.md): the Merkle tree kept in step with
// the ledger, the signed tree head kept with every commit, proofs, and the
// log's keys.
#include <algorithm>

#include "src/common/bytes.h"
#include "src/engine/engine_impl.h"

namespace optin {

TreeHeadRow RowFromHead(const SignedTreeHead& head) {
  return {head.tree_size, std::string(AsBytes(head.root_hash)), head.timestamp, head.key_id, head.signature};
}

SignedTreeHead HeadFromRow(const TreeHeadRow& row) {
  SignedTreeHead head;
  head.tree_size = row.tree_size;
  if (row.root_hash.size() == head.root_hash.size()) {
    std::copy(row.root_hash.begin(), row.root_hash.end(), head.root_hash.begin());
  }
  head.timestamp = row.timestamp;
  head.key_id = row.key_id;
  head.signature = row.signature;
  return head;
}

Result<internal::LogKey> Engine::Impl::SigningKey() {
  absl::MutexLock lock(&log_key_mu);
  if (log_key) return *log_key;
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> rows, store->ListLogKeys());
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->retired == 0) {
      log_key = internal::LogKey{it->key_id, it->public_key, it->private_key};
      return *log_key;
    }
  }
  internal::LogKey key = internal::NewLogKey();
  OPTIN_RETURN_IF_ERROR(store->PutLogKey({key.key_id, key.public_key, key.private_key, clock(), 0}));
  log_key = key;
  return key;
}

Result<std::optional<TreeHeadRow>> Engine::Impl::SignAppend(std::span<const StoredEvent> appended) {
  if (appended.empty()) return std::optional<TreeHeadRow>();
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  std::vector<MerkleHash> leaves;
  leaves.reserve(appended.size());
  for (const StoredEvent& e : appended) leaves.push_back(LeafHash(e.body));
  uint64_t size = 0;
  MerkleHash root;
  {
    absl::ReaderMutexLock lock(&tree_mu);
    if (tree.size() + 1 != appended.front().seq) {
      return InternalError("the log tree has " + std::to_string(tree.size()) + " leaves before event " +
                           std::to_string(appended.front().seq));
    }
    size = tree.size() + leaves.size();
    root = tree.RootWith(leaves);
  }
  return std::optional<TreeHeadRow>(RowFromHead(internal::SignTreeHead(size, root, clock() / 1000, key)));
}

Result<SignedTreeHead> Engine::Impl::KeepHead() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  uint64_t size = 0;
  MerkleHash root;
  {
    absl::ReaderMutexLock lock(&tree_mu);
    size = tree.size();
    root = tree.Root(size);
  }
  const SignedTreeHead fresh = internal::SignTreeHead(size, root, clock() / 1000, key);
  OPTIN_ASSIGN_OR_RETURN(TreeHeadRow kept, store->PutTreeHead(RowFromHead(fresh)));
  if (kept.root_hash.size() != root.size()) return DataLossError("a kept tree head has a damaged root hash");
  SignedTreeHead head = HeadFromRow(kept);
  if (head.root_hash != root) {
    return DataLossError("the kept tree head for size " + std::to_string(size) + " has root " +
                         ToHex(kept.root_hash) + " but the events give " + ToHex(AsBytes(root)));
  }
  return head;
}

Status Engine::Impl::CheckSignedHead() {
  for (int attempt = 0;; ++attempt) {
    uint64_t signed_size = 0;
    std::string problem;
    {
      absl::ReaderMutexLock lock(&tree_mu);
      OPTIN_ASSIGN_OR_RETURN(problem, CheckLatestHead(*store, tree, signed_size));
    }
    if (problem.empty()) return OkStatus();
    // Another node may have appended and signed since this one caught up.
    if (attempt < 3 && signed_size > LogSize()) {
      OPTIN_RETURN_IF_ERROR(writer->Sync());
      continue;
    }
    return DataLossError("the log does not verify: " + problem + "; run `optin verify` for details");
  }
}

Result<InclusionProof> Engine::Impl::ProveInclusion(uint64_t seq, uint64_t tree_size) {
  absl::ReaderMutexLock lock(&tree_mu);
  if (tree_size == 0) tree_size = tree.size();
  if (seq == 0) return InvalidArgumentError("event sequence numbers start at 1");
  InclusionProof proof;
  proof.leaf_index = seq - 1;
  proof.tree_size = tree_size;
  OPTIN_ASSIGN_OR_RETURN(proof.audit_path, tree.InclusionPath(seq - 1, tree_size));
  proof.leaf_hash = tree.leaf(seq - 1);
  return proof;
}

uint64_t Engine::Impl::LogSize() const {
  absl::ReaderMutexLock lock(&tree_mu);
  return tree.size();
}

Result<SignedTreeHead> Engine::LogHead() {
  Result<SignedTreeHead> head = impl_->KeepHead();
  absl::MutexLock lock(&impl_->head_mu);
  if (head.ok()) {
    impl_->last_head = *head;
  } else if (head.status().code() == StatusCode::kUnavailable && impl_->last_head) {
    return *impl_->last_head;
  }
  return head;
}

Result<InclusionProof> Engine::ProveInclusion(uint64_t seq, uint64_t tree_size) {
  return impl_->ProveInclusion(seq, tree_size);
}

Result<ConsistencyProof> Engine::ProveConsistency(uint64_t first, uint64_t second) {
  absl::ReaderMutexLock lock(&impl_->tree_mu);
  ConsistencyProof proof;
  proof.first = first;
  proof.second = second;
  OPTIN_ASSIGN_OR_RETURN(proof.path, impl_->tree.ConsistencyPath(first, second));
  return proof;
}

uint64_t Engine::log_size() const { return impl_->LogSize(); }

Result<std::vector<LogPublicKey>> Engine::LogKeys() {
  OPTIN_RETURN_IF_ERROR(impl_->SigningKey().status());
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> rows, impl_->store->ListLogKeys());
  std::vector<LogPublicKey> out;
  for (const LogKeyRow& r : rows) out.push_back({r.key_id, r.public_key, r.created, r.retired});
  return out;
}

const LogPublicKey* SigningLogKey(const std::vector<LogPublicKey>& keys) {
  auto it = std::find_if(keys.rbegin(), keys.rend(), [](const LogPublicKey& k) { return k.retired == 0; });
  return it == keys.rend() ? nullptr : &*it;
}

Result<LogPublicKey> Engine::RotateLogKey() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey old, impl_->SigningKey());
  absl::MutexLock lock(&impl_->log_key_mu);
  internal::LogKey key = internal::NewLogKey();
  const int64_t now = impl_->clock();
  // The new key first: a crash in between leaves two usable keys, never none.
  OPTIN_RETURN_IF_ERROR(impl_->store->PutLogKey({key.key_id, key.public_key, key.private_key, now, 0}));
  OPTIN_RETURN_IF_ERROR(impl_->store->RetireLogKey(old.key_id, now));
  impl_->log_key = key;
  return LogPublicKey{key.key_id, key.public_key, now, 0};
}

Result<HeadAudit> Engine::AuditHeads(const SignedTreeHead& a, const SignedTreeHead& b) {
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogPublicKey> keys, LogKeys());
  HeadAudit audit;
  const SignedTreeHead* heads[] = {&a, &b};
  for (int i = 0; i < 2; ++i) {
    const SignedTreeHead& head = *heads[i];
    auto key = std::find_if(keys.begin(), keys.end(), [&](const LogPublicKey& k) { return k.key_id == head.key_id; });
    Status s = key == keys.end()
                   ? InvalidArgumentError("signed with key `" + head.key_id + "`, which is not one of this log's keys")
                   : VerifyTreeHead(head, key->public_key);
    if (!s.ok()) {
      audit.bad_head = i;
      audit.problem = s.message();
      return audit;
    }
  }
  const SignedTreeHead& smaller = a.tree_size <= b.tree_size ? a : b;
  const SignedTreeHead& larger = a.tree_size <= b.tree_size ? b : a;
  audit.from = smaller.tree_size;
  audit.to = larger.tree_size;
  if (audit.from == 0) {
    // Every log extends the empty one: there is nothing to prove.
    audit.consistent = smaller.root_hash == EmptyTreeHash();
    if (!audit.consistent) audit.problem = "the head of size 0 has a root other than the empty tree's";
    return audit;
  }
  ConsistencyProof proof{audit.from, audit.to, {}};
  if (audit.from < audit.to) {
    Result<ConsistencyProof> made = ProveConsistency(audit.from, audit.to);
    if (!made.ok()) {
      audit.problem = "the log cannot prove it grew from " + std::to_string(audit.from) + " to " +
                      std::to_string(audit.to) + " events: " + made.status().message();
      return audit;
    }
    proof = *std::move(made);
  }
  if (Status s = VerifyConsistency(proof, smaller.root_hash, larger.root_hash); !s.ok()) {
    audit.problem = "the log of " + std::to_string(audit.to) + " events does not extend the one of " +
                    std::to_string(audit.from) + " events (" + s.message() + ")";
    return audit;
  }
  audit.consistent = true;
  return audit;
}

}  // namespace optin
