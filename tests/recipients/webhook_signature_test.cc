// Webhook signatures (src/recipients/webhook_signature.h) against the
// Standard Webhooks test vector and, both ways, against its reference
// library (npm `standardwebhooks`, run under node by
// tests/interop/webhooks_peer.mjs).
#include "src/recipients/webhook_signature.h"

#include <gmock/gmock.h>

#include <filesystem>
#include <sstream>

#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "tests/support/test_support.h"

namespace optin::recipients {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::RunCommand;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

// From the reference library's own tests (standard-webhooks/standard-webhooks,
// libraries/javascript/src/webhook.test.ts, "sign function works").
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::vector<std::string> Keys(std::initializer_list<std::string_view> secrets) {
  std::vector<std::string> keys;
  for (std::string_view s : secrets) keys.push_back(WebhookKey(s).value());
  return keys;
}

TEST(WebhookSignature, MatchesTheStandardsTestVector) {
  EXPECT_EQ(SignWebhook(Keys({kSecret}), kId, kTimestamp, kBody), kSignature);
  // The prefix is optional when reading a secret.
  EXPECT_EQ(SignWebhook(Keys({kSecret.substr(6)}), kId, kTimestamp, kBody), kSignature);
  const WebhookHeaders headers{kId, "1614265330", kSignature};
  EXPECT_THAT(VerifyWebhook(Keys({kSecret}), headers, kBody, kTimestamp + 10), IsOk());
}

TEST(WebhookSignature, RefusesAnyChangeAStaleTimestampAndAnotherSecret) {
  const auto keys = Keys({kSecret});
  auto verify = [&](std::string_view id, std::string_view timestamp, std::string_view signature,
                    std::string_view body, int64_t now = kTimestamp) {
    return VerifyWebhook(keys, WebhookHeaders{id, timestamp, signature}, body, now);
  };
  EXPECT_THAT(verify(kId, "1614265330", kSignature, R"({"test": 2432232315})"),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
  EXPECT_THAT(verify("msg_other", "1614265330", kSignature, kBody), StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
  EXPECT_THAT(verify(kId, "1614265330", kSignature, kBody, kTimestamp + 301),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("too far from now")));
  EXPECT_THAT(verify(kId, "1614265330", kSignature, kBody, kTimestamp - 301),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("too far from now")));
  EXPECT_THAT(verify(kId, "1614265330x", kSignature, kBody), StatusIs(StatusCode::kUnauthenticated, HasSubstr("seconds")));
  EXPECT_THAT(verify(kId, "", kSignature, kBody), StatusIs(StatusCode::kUnauthenticated, HasSubstr("needs")));
  EXPECT_THAT(verify(kId, "1614265330", "v1,", kBody), StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
  EXPECT_THAT(verify(kId, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kBody),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
  EXPECT_THAT(VerifyWebhook(Keys({"whsec_" + Base64(std::string(24, 'k'))}),
                            WebhookHeaders{kId, "1614265330", kSignature}, kBody, kTimestamp),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
  EXPECT_THAT(WebhookKey("whsec_%%%"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("base64")));
  EXPECT_THAT(WebhookKey("whsec_" + Base64("short")), StatusIs(StatusCode::kInvalidArgument, HasSubstr("16 bytes")));
}

TEST(WebhookSignature, DuringARotationEitherSecretVerifies) {
  const std::string old_secret = NewWebhookSecret(), new_secret = NewWebhookSecret();
  ASSERT_TRUE(old_secret.starts_with("whsec_"));
  ASSERT_NE(old_secret, new_secret);
  const std::string header = SignWebhook(Keys({new_secret, old_secret}), kId, kTimestamp, kBody);
  EXPECT_EQ(std::count(header.begin(), header.end(), ' '), 1);
  for (const std::string& secret : {old_secret, new_secret}) {
    EXPECT_THAT(VerifyWebhook(Keys({secret}), WebhookHeaders{kId, "1614265330", header}, kBody, kTimestamp), IsOk());
  }
  EXPECT_THAT(VerifyWebhook(Keys({NewWebhookSecret()}), WebhookHeaders{kId, "1614265330", header}, kBody, kTimestamp),
              StatusIs(StatusCode::kUnauthenticated, HasSubstr("no signature")));
}

class WebhookInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(OPTIN_SOURCE_DIR) + "/tests/interop/node_modules/standardwebhooks"))
        << "run scripts/install-deps: the Standard Webhooks library is missing from tests/interop/node_modules";
  }
  testing::CommandResult Peer(const std::string& mode, const std::string& secret, const std::string& file) {
    return RunCommand({"node", std::string(OPTIN_SOURCE_DIR) + "/tests/interop/webhooks_peer.mjs", mode, secret, file});
  }
  // Delivery `i`'s body: JSON with text outside ASCII, as deliveries carry.
  static std::string Body(int i) {
    JsonWriter w;
    w.BeginObject().Key("delivery").Int(i).Key("subject").String("顧客-" + std::to_string(i) + " \"q\"");
    w.Key("purpose").String("ads").EndObject();
    return std::move(w).Take();
  }
  TempDir dir_;
};

TEST_F(WebhookInterop, TheReferenceLibraryVerifiesWhatOptinSignsAndOptinVerifiesWhatItSigns) {
  constexpr int kDeliveries = 200;
  const std::string secret = NewWebhookSecret();
  const auto keys = Keys({secret});
  const int64_t now = NowMicros() / 1'000'000;  // the library checks the timestamp against its clock
  std::ostringstream signed_lines, unsigned_lines;
  for (int i = 0; i < kDeliveries; ++i) {
    const std::string id = "dlv_" + std::to_string(i), body = Body(i);
    JsonWriter w;
    w.BeginObject().Key("id").String(id).Key("timestamp").Int(now).Key("body").String(body);
    unsigned_lines << w.str() << "}\n";
    w.Key("signature").String(SignWebhook(keys, id, now, body)).EndObject();
    signed_lines << w.str() << "\n";
  }
  testing::CommandResult verified = Peer("verify", secret, dir_.Write("signed.jsonl", signed_lines.str()));
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(std::count(verified.out.begin(), verified.out.end(), '\n'), kDeliveries);
  EXPECT_THAT(verified.out, ::testing::Not(HasSubstr("fail"))) << verified.out.substr(0, 300);

  testing::CommandResult signed_by_library = Peer("sign", secret, dir_.Write("unsigned.jsonl", unsigned_lines.str()));
  ASSERT_EQ(signed_by_library.exit_code, 0) << signed_by_library.err;
  std::istringstream signatures(signed_by_library.out);
  std::string signature;
  int i = 0;
  for (; std::getline(signatures, signature); ++i) {
    const std::string id = "dlv_" + std::to_string(i), body = Body(i), seconds = std::to_string(now);
    EXPECT_EQ(signature, SignWebhook(keys, id, now, body)) << i;
    EXPECT_THAT(VerifyWebhook(keys, WebhookHeaders{id, seconds, signature}, body, now), IsOk()) << i;
  }
  EXPECT_EQ(i, kDeliveries);
}

}  // namespace
}  // namespace optin::recipients
