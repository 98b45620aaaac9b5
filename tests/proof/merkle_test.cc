// The verifiable log's Merkle tree (RFC 9162 §2.1): every root, inclusion
// proof and consistency proof for trees of 1 to 300 leaves, checked by an
// independent verifier (tests/proof/verify_proofs.py, Python's hashlib) and
// by optin's own verifiers; tampering with any proof fails.
#include <gmock/gmock.h>

#include <sstream>

#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/proof/merkle.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::IsOk;
using ::optin::testing::RunCommand;
using ::optin::testing::RunOptions;
using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

constexpr uint64_t kMaxSize = 300;

std::string Leaf(uint64_t i) { return "event " + std::to_string(i); }

std::string Hex(const MerkleHash& h) { return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size())); }

std::string Joined(const std::vector<MerkleHash>& path) {
  std::string out;
  for (const MerkleHash& h : path) out += (out.empty() ? "" : ",") + Hex(h);
  return out;
}

class MerkleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    for (uint64_t i = 0; i < kMaxSize; ++i) tree_.Append(LeafHash(Leaf(i)));
  }
  internal::MerkleTree tree_;
};

TEST_F(MerkleTest, EveryProofOfEveryTreeUpTo300HoldsForAnIndependentVerifier) {
  std::ostringstream lines;
  uint64_t own_checks = 0;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const MerkleHash root = tree_.Root(n);
    lines << "root " << n << " " << Hex(root) << "\n";
    for (uint64_t m = 0; m < n; ++m) {
      Result<std::vector<MerkleHash>> path = tree_.InclusionPath(m, n);
      ASSERT_THAT(path, IsOk());
      lines << "inclusion " << m << " " << n << " " << Joined(*path) << "\n";
      ASSERT_THAT(VerifyInclusion({m, n, tree_.leaf(m), *path}, root), IsOk()) << m << " in " << n;
      ++own_checks;
    }
    for (uint64_t m = 1; m <= n; ++m) {
      Result<std::vector<MerkleHash>> path = tree_.ConsistencyPath(m, n);
      ASSERT_THAT(path, IsOk());
      lines << "consistency " << m << " " << n << " " << Joined(*path) << "\n";
      ASSERT_THAT(VerifyConsistency({m, n, *path}, tree_.Root(m), root), IsOk()) << m << " to " << n;
      ++own_checks;
    }
  }
  EXPECT_EQ(own_checks, kMaxSize * (kMaxSize + 1));
  RunOptions options;
  options.stdin_data = lines.str();
  CommandResult r = RunCommand({"python3", std::string(OPTIN_SOURCE_DIR) + "/tests/proof/verify_proofs.py"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, std::to_string(kMaxSize + kMaxSize * (kMaxSize + 1)) + " checks hold\n");
}

TEST_F(MerkleTest, ACompactRangeGivesTheRootOfEverySizeAndRootWithAgrees) {
  // From every starting size, the edge extended leaf by leaf gives the root
  // the whole tree has at each size.
  for (uint64_t start = 0; start <= 70; ++start) {
    internal::MerkleTree prefix;
    for (uint64_t i = 0; i < start; ++i) prefix.Append(LeafHash(Leaf(i)));
    internal::CompactRange range(prefix);
    EXPECT_EQ(range.Root(), tree_.Root(start)) << start;
    std::vector<MerkleHash> more;
    for (uint64_t i = start; i < start + 40; ++i) {
      range.Append(LeafHash(Leaf(i)));
      more.push_back(LeafHash(Leaf(i)));
      ASSERT_EQ(range.Root(), tree_.Root(i + 1)) << start << " to " << i + 1;
    }
    EXPECT_EQ(prefix.RootWith(more), tree_.Root(start + 40)) << start;
  }
}

TEST_F(MerkleTest, ProofsLengthGrowsAsLogN) {
  // A tree of 300 leaves is 9 levels deep: no path is longer.
  for (uint64_t m = 0; m < kMaxSize; ++m) EXPECT_LE(tree_.InclusionPath(m, kMaxSize)->size(), 9u);
  EXPECT_EQ(tree_.InclusionPath(0, 256)->size(), 8u);
  EXPECT_TRUE(tree_.InclusionPath(0, 1)->empty());
}

TEST_F(MerkleTest, KnownRoots) {
  // RFC 9162: the empty tree's root is SHA-256 of nothing; one leaf's root is its leaf hash.
  EXPECT_EQ(Hex(tree_.Root(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(tree_.Root(1), LeafHash("event 0"));
  EXPECT_EQ(tree_.Root(2), NodeHash(LeafHash("event 0"), LeafHash("event 1")));
  EXPECT_EQ(tree_.Root(3), NodeHash(tree_.Root(2), LeafHash("event 2")));
}

TEST_F(MerkleTest, AnyChangeToAProofFails) {
  const uint64_t n = 77, m = 41;
  const MerkleHash root = tree_.Root(n);
  InclusionProof proof{m, n, tree_.leaf(m), *tree_.InclusionPath(m, n)};
  ASSERT_THAT(VerifyInclusion(proof, root), IsOk());
  for (size_t i = 0; i < proof.audit_path.size(); ++i) {
    for (size_t byte : {size_t{0}, size_t{31}}) {
      InclusionProof bad = proof;
      bad.audit_path[i][byte] ^= 1;
      EXPECT_THAT(VerifyInclusion(bad, root), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not to the root")));
    }
  }
  InclusionProof bad = proof;
  bad.leaf_hash[3] ^= 0x80;
  EXPECT_FALSE(VerifyInclusion(bad, root).ok());
  bad = proof;
  bad.leaf_index = m + 1;
  EXPECT_FALSE(VerifyInclusion(bad, root).ok());
  bad = proof;
  bad.audit_path.pop_back();
  EXPECT_THAT(VerifyInclusion(bad, root), StatusIs(StatusCode::kInvalidArgument, HasSubstr("shorter")));
  bad = proof;
  bad.audit_path.push_back(root);
  EXPECT_THAT(VerifyInclusion(bad, root), StatusIs(StatusCode::kInvalidArgument, HasSubstr("longer")));
  bad = proof;
  bad.leaf_index = n;
  EXPECT_THAT(VerifyInclusion(bad, root), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not below tree size")));

  ConsistencyProof c{30, 77, *tree_.ConsistencyPath(30, 77)};
  ASSERT_THAT(VerifyConsistency(c, tree_.Root(30), root), IsOk());
  for (size_t i = 0; i < c.path.size(); ++i) {
    ConsistencyProof bad_c = c;
    bad_c.path[i][7] ^= 4;
    EXPECT_FALSE(VerifyConsistency(bad_c, tree_.Root(30), root).ok()) << i;
  }
  EXPECT_FALSE(VerifyConsistency(c, tree_.Root(31), root).ok());
  EXPECT_FALSE(VerifyConsistency(c, tree_.Root(30), tree_.Root(78)).ok());
}

TEST_F(MerkleTest, RefusesProofsOutsideTheTree) {
  EXPECT_THAT(tree_.InclusionPath(5, 5), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not in a tree of size 5")));
  EXPECT_THAT(tree_.InclusionPath(0, kMaxSize + 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("larger than the log")));
  EXPECT_THAT(tree_.ConsistencyPath(0, 5), StatusIs(StatusCode::kInvalidArgument, HasSubstr("0 < from")));
  EXPECT_THAT(tree_.ConsistencyPath(6, 5), StatusIs(StatusCode::kInvalidArgument, HasSubstr("0 < from")));
}

}  // namespace
}  // namespace optin
