// Signed tree heads: Ed25519 over the bytes docs/log_format.md specifies,
// checked by optin and by the openssl command line; any changed byte fails.
#include <gmock/gmock.h>

#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/engine/wire_json.h"
#include "src/proof/log_key.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::RunCommand;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

class TreeHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    key_ = internal::NewLogKey();
    root_ = NodeHash(LeafHash("a"), LeafHash("b"));
    head_ = internal::SignTreeHead(2, root_, 1'795'910'400'123, key_);
  }
  internal::LogKey key_;
  MerkleHash root_;
  SignedTreeHead head_;
};

TEST_F(TreeHeadTest, SignedBytesAreTheDocumentedLayout) {
  const std::string bytes = TreeHeadSignedBytes(head_);
  ASSERT_EQ(bytes.size(), 19u + 8 + 8 + 32);
  EXPECT_EQ(bytes.substr(0, 19), "optin tree head v1\n");
  EXPECT_EQ(ToHex(bytes.substr(19, 16)), "0000000000000002" "000001a22499f87b");
  EXPECT_EQ(bytes.substr(35), std::string(reinterpret_cast<const char*>(root_.data()), 32));
  EXPECT_EQ(head_.key_id, LogKeyId(key_.public_key));
  EXPECT_EQ(head_.key_id.size(), 16u);
}

TEST_F(TreeHeadTest, VerifiesAndRefusesAnyChange) {
  EXPECT_THAT(VerifyTreeHead(head_, key_.public_key), IsOk());
  for (size_t i = 0; i < head_.signature.size(); i += 7) {
    SignedTreeHead bad = head_;
    bad.signature[i] ^= 1;
    EXPECT_THAT(VerifyTreeHead(bad, key_.public_key), StatusIs(StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  }
  SignedTreeHead bad = head_;
  bad.tree_size = 3;
  EXPECT_FALSE(VerifyTreeHead(bad, key_.public_key).ok());
  bad = head_;
  bad.timestamp += 1;
  EXPECT_FALSE(VerifyTreeHead(bad, key_.public_key).ok());
  bad = head_;
  bad.root_hash[31] ^= 1;
  EXPECT_FALSE(VerifyTreeHead(bad, key_.public_key).ok());
  const internal::LogKey other = internal::NewLogKey();
  EXPECT_THAT(VerifyTreeHead(head_, other.public_key), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not with this key")));
}

TEST_F(TreeHeadTest, JsonRoundTripsAndRefusesBadInput) {
  const std::string json = TreeHeadToJson(head_);
  const testing::JsonDoc doc(json);
  EXPECT_EQ(doc.At("/tree_size"), "2");
  EXPECT_EQ(doc.Str("/root_hash"), ToHex(std::string_view(reinterpret_cast<const char*>(root_.data()), 32)));
  EXPECT_EQ(doc.At("/timestamp"), "1795910400123");
  EXPECT_EQ(FromBase64(doc.Str("/signature")), head_.signature);
  Result<SignedTreeHead> back = TreeHeadFromJson(json);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, head_);
  EXPECT_THAT(TreeHeadFromJson("{"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(TreeHeadFromJson(R"({"tree_size":2})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs tree_size")));
  EXPECT_THAT(TreeHeadFromJson(R"({"tree_size":2,"root_hash":"xyz","timestamp":1,"signature":"","key_id":""})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`root_hash` must be 64 lowercase hex")));
  EXPECT_THAT(TreeHeadFromJson(R"({"size":2})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown key `size`")));
}

TEST_F(TreeHeadTest, OpensslVerifiesTheSignature) {
  TempDir dir;
  const std::string pem = dir.Write("key.pem", Ed25519PublicKeyPem(key_.public_key));
  const std::string msg = dir.Write("msg", TreeHeadSignedBytes(head_));
  const std::string sig = dir.Write("sig", head_.signature);
  auto r = RunCommand({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", msg, "-sigfile", sig});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Signature Verified Successfully"));
  SignedTreeHead bad = head_;
  bad.tree_size = 3;
  const std::string bad_msg = dir.Write("bad_msg", TreeHeadSignedBytes(bad));
  r = RunCommand({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", bad_msg, "-sigfile", sig});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace optin
