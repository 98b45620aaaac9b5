// Receipts: issued for every grant, withdrawal and signal, checked offline
// (optin's verifier, and a stranger's: Python's json and hashlib with the
// openssl command line); changing any field, proof node or head byte fails.
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/engine/wire_json.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::optin::testing::RunCommand;
using ::optin::testing::RunOptions;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

class ReceiptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kCreate, .clock = {}});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(*e);
    ASSERT_THAT(engine_->Publish(ParseCatalog(kShop, "shop.yaml").value(), {}, ctx_), IsOk());
    ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads", "recommendations"}, ctx_), IsOk());
    ASSERT_THAT(engine_->Withdraw("alice", std::vector<std::string>{"ads"}, ctx_), IsOk());
    ASSERT_THAT(engine_->RecordGpc("alice", ctx_), IsOk());
    ASSERT_THAT(engine_->Grant("bob", std::vector<std::string>{"ads"}, ctx_), IsOk());
    key_ = engine_->LogKeys()->back().public_key;
  }

  std::vector<std::string> Receipts(std::string_view subject, std::string_view locale = "") {
    auto r = engine_->Receipts(subject, {}, locale);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : std::vector<std::string>{};
  }

  // The names of the checks that fail for `receipt`.
  std::vector<std::string> Failed(const std::string& receipt) {
    auto v = VerifyReceipt(receipt, key_);
    EXPECT_THAT(v, IsOk());
    std::vector<std::string> out;
    if (v.ok()) {
      for (const auto& c : v->checks) {
        if (!c.ok) out.push_back(c.name);
      }
    }
    return out;
  }

  TempDir dir_;
  WriteContext ctx_{.channel = "web", .actor = "test", .evidence = ""};
  std::unique_ptr<Engine> engine_;
  std::string key_;
};

TEST_F(ReceiptTest, EveryGrantWithdrawalAndSignalHasAValidReceipt) {
  const std::vector<std::string> receipts = Receipts("alice");
  ASSERT_EQ(receipts.size(), 4u);  // two grants, one withdrawal, one GPC signal
  for (const std::string& r : receipts) {
    auto v = VerifyReceipt(r, key_);
    ASSERT_THAT(v, IsOk());
    EXPECT_TRUE(v->ok) << r;
    EXPECT_FALSE(v->key_from_receipt);
    EXPECT_EQ(v->subject, "alice");
  }
  const JsonDoc grant(receipts[0]);
  EXPECT_EQ(grant.Str("/receipt/action"), "grant");
  EXPECT_EQ(grant.Str("/receipt/state"), "given");
  EXPECT_EQ(grant.At("/receipt/controller"), R"({"contact":"privacy@shop.example","name":"Example Shop"})");
  EXPECT_EQ(grant.At("/receipt/purpose/data_categories"), R"([{"id":"clicks","sensitive":true,"title":"Clicks"}])");
  EXPECT_EQ(grant.At("/receipt/purpose/recipients"),
            R"([{"name":"Example Ads","role":"processor"},{"name":"Example Exchange","role":"third_party"}])");
  EXPECT_EQ(grant.Str("/receipt/purpose/retention"), "P1Y1M");
  EXPECT_EQ(JsonDoc(receipts[2]).Str("/receipt/state"), "withdrawn");
  const JsonDoc signal(receipts[3]);
  EXPECT_EQ(signal.Str("/receipt/action"), "signal");
  EXPECT_EQ(signal.Str("/receipt/channel"), "gpc");
  EXPECT_EQ(signal.Str("/receipt/state"), "opted_out");
  EXPECT_EQ(signal.At("/receipt/notice"), "null");
  // In Japanese when asked.
  EXPECT_EQ(JsonDoc(Receipts("alice", "ja")[0]).Str("/receipt/purpose/title"), "パーソナライズ広告");
  // Bob's are his own.
  EXPECT_EQ(Receipts("bob").size(), 1u);
  EXPECT_TRUE(Receipts("carol").empty());
}

TEST_F(ReceiptTest, ChangingAnyPartFailsAndSaysWhich) {
  const std::string r = Receipts("alice")[0];
  auto replaced = [&r](const std::string& from, const std::string& to) {
    std::string s = r;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  using ::testing::ElementsAre;
  EXPECT_TRUE(Failed(r).empty());
  // Receipt fields: the receipt's signature catches them all.
  EXPECT_THAT(Failed(replaced(R"("subject":"alice")", R"("subject":"mallory")")), ElementsAre("signature"));
  EXPECT_THAT(Failed(replaced(R"("title":"Personalized ads")", R"("title":"Free coffee")")), ElementsAre("signature"));
  EXPECT_THAT(Failed(replaced(R"("action":"grant")", R"("action":"withdraw")")), ElementsAre("signature", "event"));
  // The event bytes, the notice text, a proof node, the head.
  const std::string ev = "\"event\":\"AQ";
  EXPECT_THAT(Failed(replaced(ev, "\"event\":\"AR")), ElementsAre("signature", "leaf", "event"));
  EXPECT_THAT(Failed(replaced(R"("text":"{\"basis\":\"consent\")", R"("text":"{\"basis\":\"necessary\")")),
              ElementsAre("signature", "notice"));
  const size_t path = r.find(R"("audit_path":[")") + 15;
  std::string bad_node = r;
  bad_node[path] = bad_node[path] == '0' ? '1' : '0';
  EXPECT_THAT(Failed(bad_node), ElementsAre("signature", "inclusion"));
  const size_t root = r.find(R"("root_hash":")") + 13;
  std::string bad_root = r;
  bad_root[root] = bad_root[root] == '0' ? '1' : '0';
  EXPECT_THAT(Failed(bad_root), ElementsAre("signature", "tree_head", "inclusion"));
  // Another company's key.
  auto v = VerifyReceipt(r, std::string(32, '\x07'));
  ASSERT_THAT(v, IsOk());
  EXPECT_FALSE(v->ok);
  EXPECT_FALSE(v->checks[0].ok);
  EXPECT_THAT(v->checks[0].detail, HasSubstr("names key"));
  EXPECT_THAT(VerifyReceipt("[1]", key_), StatusIs(StatusCode::kInvalidArgument, HasSubstr("a receipt file must be a JSON object")));
}

TEST_F(ReceiptTest, ReformattingKeepsItValidAndAStrangerCanVerifyIt) {
  TempDir dir;
  const std::string receipt = dir.Write("r.json", Receipts("alice")[1]);
  const std::string pem = dir.Write("key.pem", Ed25519PublicKeyPem(key_));
  // Python's json with sorted keys and no spaces is RFC 8785 for these values:
  // it rebuilds the signed bytes; openssl checks them; hashlib the leaf and notice.
  const std::string script = R"PY(
import base64, hashlib, json, subprocess, sys
f = json.load(open(sys.argv[1]))
r = f["receipt"]
signed = b"optin receipt v1\n" + json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
open(sys.argv[1] + ".msg", "wb").write(signed)
open(sys.argv[1] + ".sig", "wb").write(base64.b64decode(f["signature"]))
ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", sys.argv[2], "-rawin",
                     "-in", sys.argv[1] + ".msg", "-sigfile", sys.argv[1] + ".sig"], capture_output=True).returncode == 0
ok = ok and hashlib.sha256(b"\x00" + base64.b64decode(r["event"])).hexdigest() == r["leaf_hash"]
ok = ok and hashlib.sha256(r["notice"]["text"].encode()).hexdigest() == r["notice"]["version"]
json.dump(f, open(sys.argv[1] + ".pretty", "w"), indent=2, ensure_ascii=True)
print("verified" if ok else "FAILED")
)PY";
  const std::string py = dir.Write("check.py", script);
  auto run = RunCommand({"python3", py, receipt, pem});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "verified\n");
  // Pretty-printed with \u escapes by Python, it still verifies with optin.
  auto v = VerifyReceipt(ReadFile(receipt + ".pretty"), key_);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->ok);
}

TEST(CanonicalJson, IsRfc8785ForTheValuesReceiptsHold) {
  EXPECT_EQ(*CanonicalJson(R"( { "b" : [1, true, null], "a": {"y": "\u00e9\n", "x": -3} } )"),
            "{\"a\":{\"x\":-3,\"y\":\"\xc3\xa9\\n\"},\"b\":[1,true,null]}");
  EXPECT_EQ(*CanonicalJson(R"({"s":"\u001f\u007f\/"})"), "{\"s\":\"\\u001f\x7f/\"}");
  EXPECT_THAT(CanonicalJson(R"({"a":1,"a":2})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a` repeats")));
  EXPECT_THAT(CanonicalJson(R"({"a":1.5})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not an integer")));
  EXPECT_THAT(CanonicalJson("{"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
}

TEST(PublicKeys, ReadPemAndBase64) {
  const std::string raw(32, '\x42');
  EXPECT_EQ(*ParseEd25519PublicKey(Ed25519PublicKeyPem(raw)), raw);
  EXPECT_EQ(*ParseEd25519PublicKey("QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="), raw);
  EXPECT_THAT(ParseEd25519PublicKey("hello"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not")));
}

}  // namespace
}  // namespace optin
