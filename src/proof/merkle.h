// File: src/proof/merkle.h
//
// The log's Merkle tree in memory: every perfect subtree's hash, level by
// level (about 64 bytes per leaf), so that any root, inclusion path or
// consistency path up to the current size takes O(log n) hashes.
//
// Thread-safety: not synchronised; the engine guards it with a shared mutex
// (Append under the exclusive lock, the rest under the shared lock).
#ifndef OPTIN_PROOF_MERKLE_H_
#define OPTIN_PROOF_MERKLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "optin/proof.h"

namespace optin::internal {

class MerkleTree {
 public:
  void Append(const MerkleHash& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const MerkleHash& leaf(uint64_t index) const { return levels_[0][index]; }

  // The root of the first `size` leaves; `size` ≤ size().
  MerkleHash Root(uint64_t size) const;
  // The root the tree will have once `more` is appended (O(log n + k)).
  MerkleHash RootWith(std::span<const MerkleHash> more) const;
  // RFC 9162 §2.1.3.1 PATH(index, D[size]); kInvalidArgument unless
  // index < size ≤ size().
  Result<std::vector<MerkleHash>> InclusionPath(uint64_t index, uint64_t size) const;
  // RFC 9162 §2.1.4.1 PROOF(first, D[second]); kInvalidArgument unless
  // 0 < first ≤ second ≤ size().
  Result<std::vector<MerkleHash>> ConsistencyPath(uint64_t first, uint64_t second) const;

 private:
  // MTH of leaves [begin, end), end ≤ size().
  MerkleHash Hash(uint64_t begin, uint64_t end) const;
  // The same over this tree followed by `more`.
  MerkleHash HashWith(uint64_t begin, uint64_t end, std::span<const MerkleHash> more) const;
  void Path(uint64_t index, uint64_t begin, uint64_t end, std::vector<MerkleHash>& out) const;
  void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<MerkleHash>& out) const;

  // levels_[k][i]: the hash of the perfect subtree of leaves [i·2^k, (i+1)·2^k).
  std::vector<std::vector<MerkleHash>> levels_;

  friend class CompactRange;
};

// The right edge of a growing tree: the roots of its perfect subtrees,
// largest first (one per set bit of the size). Appending a leaf and taking
// the root each cost O(log n), so the roots of every size a run of new
// leaves passes through can be checked without touching the tree.
class CompactRange {
 public:
  // The edge of `tree` as it is now.
  explicit CompactRange(const MerkleTree& tree);
  void Append(const MerkleHash& leaf);
  uint64_t size() const { return size_; }
  MerkleHash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<MerkleHash> peaks_;
};

}  // namespace optin::internal

#endif  // OPTIN_PROOF_MERKLE_H_
