// `optin verify`: the whole ledger re-checked without opening an Engine,
// and the check of the store's signed tree heads against its events.
#include <algorithm>

#include "src/common/bytes.h"
#include "src/engine/engine_impl.h"

namespace optin {

Result<std::string> CheckLatestHead(Store& store, const internal::MerkleTree& tree, uint64_t& signed_size) {
  OPTIN_ASSIGN_OR_RETURN(std::optional<TreeHeadRow> kept, store.LatestTreeHead());
  if (!kept) return std::string();
  signed_size = kept->tree_size;
  // A head of a larger tree means events were cut from the end.
  if (kept->tree_size > tree.size()) {
    return "the log was signed at " + std::to_string(kept->tree_size) + " events but holds " +
           std::to_string(tree.size()) + ": events were removed from the end";
  }
  const SignedTreeHead head = HeadFromRow(*kept);
  if (head.root_hash != tree.Root(head.tree_size)) {
    return "the signed tree head of size " + std::to_string(head.tree_size) +
           " does not match the root of the first " + std::to_string(head.tree_size) +
           " events: the events or the head were changed";
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> keys, store.ListLogKeys());
  auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
  if (key == keys.end()) return "the latest signed tree head names log key `" + head.key_id + "`, which the store lacks";
  if (Status s = VerifyTreeHead(head, key->public_key); !s.ok()) return s.message();
  return std::string();
}

namespace {

// When the latest kept head does not match: the first kept head that does
// not either, which brackets the rewritten events.
Status LocateRewrite(Store& store, const internal::MerkleTree& tree, const std::vector<LogKeyRow>& keys,
                     VerifyResult& out) {
  uint64_t last_good = 0;
  std::optional<TreeHeadRow> first_bad;
  OPTIN_RETURN_IF_ERROR(ScanStatus(store.ScanTreeHeads(0, [&](const TreeHeadRow& row) {
    if (row.tree_size > tree.size()) return OkStatus();
    if (HeadFromRow(row).root_hash == tree.Root(row.tree_size)) {
      last_good = row.tree_size;
      return OkStatus();
    }
    first_bad = row;
    return StopScan();
  })));
  if (!first_bad) return OkStatus();
  const SignedTreeHead head = HeadFromRow(*first_bad);
  auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
  const bool genuine = key != keys.end() && VerifyTreeHead(head, key->public_key).ok();
  const uint64_t from = last_good + 1, to = head.tree_size;
  out.first_bad_seq = genuine && from == to ? from : 0;
  const std::string which = from == to ? "event " + std::to_string(from) : "an event in " + std::to_string(from) + "-" + std::to_string(to);
  out.problem = genuine ? which + " was rewritten (its hashes recomputed): the signed tree head of size " +
                              std::to_string(to) + " does not match the root of the first " + std::to_string(to) +
                              " events" + (last_good ? ", while the one of size " + std::to_string(last_good) + " does" : "")
                        : "the signed tree head of size " + std::to_string(to) + " was changed (its signature does not verify)";
  return OkStatus();
}

}  // namespace

Result<VerifyResult> VerifyStore(Store& store, std::span<const SignedTreeHead> external) {
  internal::MerkleTree tree;
  OPTIN_ASSIGN_OR_RETURN(internal::VerifyReport r,
                         internal::VerifyLedger(store, [&tree](std::string_view body) { tree.Append(LeafHash(body)); }));
  VerifyResult out;
  out.intact = r.intact;
  out.events = r.events;
  out.first_bad_seq = r.first_bad_seq;
  out.problem = r.problem;
  out.head_hash = ToHex(AsBytes(r.head));
  if (!out.intact) return out;
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> keys, store.ListLogKeys());
  for (const SignedTreeHead& head : external) {
    auto fail = [&](std::string problem) {
      out.intact = false;
      out.problem = "the tree head you gave (size " + std::to_string(head.tree_size) + "): " + std::move(problem);
      return out;
    };
    auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
    if (key == keys.end()) return fail("signed with key `" + head.key_id + "`, which this store does not have");
    if (Status s = VerifyTreeHead(head, key->public_key); !s.ok()) return fail(s.message());
    if (head.tree_size > tree.size()) {
      out.first_bad_seq = tree.size() + 1;
      return fail("the log held " + std::to_string(head.tree_size) + " events but now holds " +
                  std::to_string(tree.size()) + ": events were removed from the end");
    }
    if (head.root_hash != tree.Root(head.tree_size)) {
      return fail("it does not match the root of the first " + std::to_string(head.tree_size) +
                  " events: events were changed since");
    }
    ++out.external_heads;
    out.external_tree_size = std::max(out.external_tree_size, head.tree_size);
  }
  OPTIN_ASSIGN_OR_RETURN(std::string problem, CheckLatestHead(store, tree, out.signed_tree_size));
  if (problem.empty()) {
    // Every earlier head too: a rewrite covered by a head signed again
    // since still shows against the heads kept with its commits.
    OPTIN_RETURN_IF_ERROR(LocateRewrite(store, tree, keys, out));
    if (!out.problem.empty()) out.intact = false;
    return out;
  }
  out.intact = false;
  // Only events cut from the end name a first bad event: the one missing.
  out.first_bad_seq = out.signed_tree_size > out.events ? out.events + 1 : 0;
  out.problem = std::move(problem);
  if (out.signed_tree_size <= out.events) OPTIN_RETURN_IF_ERROR(LocateRewrite(store, tree, keys, out));
  return out;
}

}  // namespace optin
