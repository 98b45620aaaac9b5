// optin's Merkle proof verifiers, and the Python verifier that
// docs/log_format.md prints, against the RFC 6962 reference tree and every
// malformed-proof probe transparency-dev/merkle applies in its tests
// (tests/testdata/merkle/README.md says where each case comes from).
#include <gmock/gmock.h>
#include <simdjson.h>

#include "optin/proof.h"
#include "src/common/crypto.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::ReadFile;
using ::optin::testing::RunCommand;
using ::optin::testing::TempDir;

const std::string kProbes = std::string(OPTIN_TESTDATA) + "/merkle/probes.json";

// A 32-byte hash from 64 hex digits; nullopt for anything else (the probes
// include 9-byte and empty "hashes": a verifier cannot even be asked about
// those, which counts as refusing them).
std::optional<MerkleHash> Hash(std::string_view hex) {
  std::optional<std::string> bytes = FromHex(hex);
  if (!bytes || bytes->size() != kHashSize) return std::nullopt;
  MerkleHash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::optional<std::vector<MerkleHash>> Hashes(simdjson::dom::array list) {
  std::vector<MerkleHash> out;
  for (simdjson::dom::element e : list) {
    std::optional<MerkleHash> h = Hash(std::string_view(e.get_string().value()));
    if (!h) return std::nullopt;
    out.push_back(*h);
  }
  return out;
}

class MerkleProbes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(parser_.load(kProbes).get(doc_)) << "cannot read " << kProbes;
  }
  simdjson::dom::parser parser_;
  simdjson::dom::element doc_;
};

TEST_F(MerkleProbes, InclusionVerifierAcceptsExactlyTheValidProofs) {
  int valid = 0, invalid = 0;
  for (simdjson::dom::element c : doc_["inclusion"].get_array()) {
    const std::string name(c["name"].get_string().value());
    const bool expected = c["valid"].get_bool().value();
    InclusionProof proof;
    proof.leaf_index = c["leaf_index"].get_uint64().value();
    proof.tree_size = c["tree_size"].get_uint64().value();
    std::optional<MerkleHash> leaf = Hash(c["leaf_hash"].get_string().value());
    std::optional<MerkleHash> root = Hash(c["root"].get_string().value());
    std::optional<std::vector<MerkleHash>> path = Hashes(c["proof"].get_array().value());
    bool accepted = false;
    if (leaf && root && path) {
      proof.leaf_hash = *leaf;
      proof.audit_path = *path;
      accepted = VerifyInclusion(proof, *root).ok();
    }
    EXPECT_EQ(accepted, expected) << name << ": " << std::string_view(c["why"].get_string().value());
    (expected ? valid : invalid)++;
  }
  EXPECT_EQ(valid, 37);
  EXPECT_EQ(invalid, 696);
}

TEST_F(MerkleProbes, ConsistencyVerifierAcceptsExactlyTheValidProofs) {
  int valid = 0, invalid = 0;
  for (simdjson::dom::element c : doc_["consistency"].get_array()) {
    const std::string name(c["name"].get_string().value());
    const bool expected = c["valid"].get_bool().value();
    ConsistencyProof proof;
    proof.first = c["size1"].get_uint64().value();
    proof.second = c["size2"].get_uint64().value();
    std::optional<MerkleHash> first = Hash(c["root1"].get_string().value());
    std::optional<MerkleHash> second = Hash(c["root2"].get_string().value());
    std::optional<std::vector<MerkleHash>> path = Hashes(c["proof"].get_array().value());
    bool accepted = false;
    if (first && second && path) {
      proof.path = *path;
      accepted = VerifyConsistency(proof, *first, *second).ok();
    }
    EXPECT_EQ(accepted, expected) << name << ": " << std::string_view(c["why"].get_string().value());
    (expected ? valid : invalid)++;
  }
  EXPECT_EQ(valid, 37);
  EXPECT_EQ(invalid, 642);
}

TEST(DocumentedVerifierProbes, ThePythonVerifierAcceptsExactlyTheValidProofs) {
  // The verifier exactly as docs/log_format.md prints it.
  const std::string doc = ReadFile(std::string(OPTIN_SOURCE_DIR) + "/docs/log_format.md");
  const size_t begin = doc.find("```python\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```", begin + 10);
  TempDir dir;
  const std::string verifier = dir.Write("verify.py", doc.substr(begin + 10, end - begin - 10));
  auto r = RunCommand({"python3", std::string(OPTIN_SOURCE_DIR) + "/tests/proof/run_merkle_probes.py", verifier, kProbes});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "inclusion: 733 cases agree\nconsistency: 679 cases agree\n") << r.err;
}

}  // namespace
}  // namespace optin
