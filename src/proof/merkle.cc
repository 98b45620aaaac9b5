// The Merkle tree of RFC 9162 §2.1 over the ledger's events: hashing, the
// in-memory tree with its proofs, and the verifiers.
#include "src/proof/merkle.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "src/common/crypto.h"

namespace optin {
namespace {

// DO NOT CHANGE: RFC 9162's domain separation of leaves and nodes.
constexpr char kLeafPrefix = 0x00;
constexpr char kNodePrefix = 0x01;

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

// The largest power of two smaller than n (n ≥ 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

std::string Hex(const MerkleHash& h) { return ToHex(View(h)); }

}  // namespace

MerkleHash LeafHash(std::string_view event_bytes) { return Sha256(std::string_view(&kLeafPrefix, 1), event_bytes); }

MerkleHash NodeHash(const MerkleHash& left, const MerkleHash& right) {
  std::array<char, 1 + 2 * kHashSize> input;
  input[0] = kNodePrefix;
  std::memcpy(input.data() + 1, left.data(), kHashSize);
  std::memcpy(input.data() + 1 + kHashSize, right.data(), kHashSize);
  return Sha256(std::string_view(input.data(), input.size()));
}

MerkleHash EmptyTreeHash() { return Sha256(std::string_view()); }

Status VerifyInclusion(const InclusionProof& proof, const MerkleHash& root) {
  if (proof.leaf_index >= proof.tree_size) {
    return InvalidArgumentError("leaf index " + std::to_string(proof.leaf_index) + " is not below tree size " +
                                std::to_string(proof.tree_size));
  }
  uint64_t fn = proof.leaf_index, sn = proof.tree_size - 1;
  MerkleHash r = proof.leaf_hash;
  for (const MerkleHash& p : proof.audit_path) {
    if (sn == 0) return InvalidArgumentError("the audit path is longer than the tree is deep");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("the audit path is shorter than the tree is deep");
  if (r != root) return InvalidArgumentError("the audit path leads to " + Hex(r) + ", not to the root " + Hex(root));
  return OkStatus();
}

Status VerifyConsistency(const ConsistencyProof& proof, const MerkleHash& first_root, const MerkleHash& second_root) {
  if (proof.first > proof.second) {
    return InvalidArgumentError("the first tree (" + std::to_string(proof.first) + ") is larger than the second (" +
                                std::to_string(proof.second) + ")");
  }
  // As in transparency-dev/merkle: every log extends the empty one, so a
  // proof from it says nothing, and accepting one would let a forged head
  // of size 0 pass as checked.
  if (proof.first == 0) return InvalidArgumentError("a consistency proof from an empty tree proves nothing");
  if (proof.first == proof.second) {
    if (!proof.path.empty()) return InvalidArgumentError("the proof should be empty");
    if (first_root != second_root) return InvalidArgumentError("trees of the same size have different roots");
    return OkStatus();
  }
  std::vector<MerkleHash> path = proof.path;
  if (std::has_single_bit(proof.first)) path.insert(path.begin(), first_root);
  if (path.empty()) return InvalidArgumentError("the proof is empty");
  uint64_t fn = proof.first - 1, sn = proof.second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  MerkleHash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const MerkleHash& c = path[i];
    if (sn == 0) return InvalidArgumentError("the proof is longer than the trees are deep");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("the proof is shorter than the trees are deep");
  if (fr != first_root) return InvalidArgumentError("the proof does not lead to the first root " + Hex(first_root));
  if (sr != second_root) return InvalidArgumentError("the proof does not lead to the second root " + Hex(second_root));
  return OkStatus();
}

namespace internal {

void MerkleTree::Append(const MerkleHash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each completed pair makes a parent one level up.
  uint64_t index = levels_[0].size() - 1;
  for (size_t k = 0; index & 1; ++k, index >>= 1) {
    if (levels_.size() == k + 1) levels_.emplace_back();
    levels_[k + 1].push_back(NodeHash(levels_[k][index - 1], levels_[k][index]));
  }
}

MerkleHash MerkleTree::Hash(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (n == 0) return EmptyTreeHash();
  if (std::has_single_bit(n) && begin % n == 0) return levels_[std::countr_zero(n)][begin / n];
  const uint64_t k = SplitPoint(n);
  return NodeHash(Hash(begin, begin + k), Hash(begin + k, end));
}

MerkleHash MerkleTree::Root(uint64_t size) const { return Hash(0, size); }

MerkleHash MerkleTree::HashWith(uint64_t begin, uint64_t end, std::span<const MerkleHash> more) const {
  if (end <= size()) return Hash(begin, end);
  const uint64_t n = end - begin;
  if (n == 1) return more[begin - size()];
  const uint64_t k = SplitPoint(n);
  return NodeHash(HashWith(begin, begin + k, more), HashWith(begin + k, end, more));
}

MerkleHash MerkleTree::RootWith(std::span<const MerkleHash> more) const {
  return HashWith(0, size() + more.size(), more);
}

void MerkleTree::Path(uint64_t index, uint64_t begin, uint64_t end, std::vector<MerkleHash>& out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (index < begin + k) {
    Path(index, begin, begin + k, out);
    out.push_back(Hash(begin + k, end));
  } else {
    Path(index, begin + k, end, out);
    out.push_back(Hash(begin, begin + k));
  }
}

Result<std::vector<MerkleHash>> MerkleTree::InclusionPath(uint64_t index, uint64_t size) const {
  if (size > this->size()) {
    return InvalidArgumentError("tree size " + std::to_string(size) + " is larger than the log (" +
                                std::to_string(this->size()) + " events)");
  }
  if (index >= size) {
    return InvalidArgumentError("event " + std::to_string(index + 1) + " is not in a tree of size " +
                                std::to_string(size));
  }
  std::vector<MerkleHash> out;
  Path(index, 0, size, out);
  return out;
}

void MerkleTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<MerkleHash>& out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(Hash(begin, end));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out.push_back(Hash(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out.push_back(Hash(begin, begin + k));
  }
}

Result<std::vector<MerkleHash>> MerkleTree::ConsistencyPath(uint64_t first, uint64_t second) const {
  if (second > size()) {
    return InvalidArgumentError("tree size " + std::to_string(second) + " is larger than the log (" +
                                std::to_string(size()) + " events)");
  }
  if (first == 0 || first > second) {
    return InvalidArgumentError("a consistency proof needs 0 < from ≤ to, not from " + std::to_string(first) +
                                " to " + std::to_string(second));
  }
  std::vector<MerkleHash> out;
  if (first < second) SubProof(first, 0, second, true, out);
  return out;
}

CompactRange::CompactRange(const MerkleTree& tree) : size_(tree.size()) {
  uint64_t begin = 0;
  for (int k = 63; k >= 0; --k) {
    const uint64_t width = uint64_t{1} << k;
    if (!(size_ & width)) continue;
    peaks_.push_back(tree.levels_[static_cast<size_t>(k)][begin / width]);
    begin += width;
  }
}

void CompactRange::Append(const MerkleHash& leaf) {
  MerkleHash h = leaf;
  for (uint64_t s = size_; s & 1; s >>= 1) {
    h = NodeHash(peaks_.back(), h);
    peaks_.pop_back();
  }
  peaks_.push_back(h);
  ++size_;
}

MerkleHash CompactRange::Root() const {
  if (peaks_.empty()) return EmptyTreeHash();
  MerkleHash h = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) h = NodeHash(peaks_[i], h);
  return h;
}

}  // namespace internal
}  // namespace optin
