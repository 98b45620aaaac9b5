// Recipients in the engine: the signing secrets of webhook recipients, kept
// in the store and rotated with an overlap on the engine's clock.
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "src/recipients/webhook_signature.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr int64_t kHour = int64_t{3600} * 1'000'000;

class RecipientsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> Open(const std::string& location, StoreOpenMode mode = StoreOpenMode::kCreate) {
    auto store = OpenStore(location, mode);
    EXPECT_THAT(store, IsOk());
    auto engine = Engine::Open(std::move(store).value(), {.clock = [this] { return now_; }});
    EXPECT_THAT(engine, IsOk());
    return std::move(engine).value();
  }
  void Publish(Engine& engine) {
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(engine.Publish(*catalog, {}, {.channel = "cli"}), IsOk());
  }

  int64_t now_ = 1'790'000'000'000'000;
  TempDir dir_;
};

TEST_F(RecipientsTest, ASecretIsMadeOnceKeptInTheStoreAndSigns) {
  const std::string db = dir_.File("optin.db");
  std::string made;
  {
    auto engine = Open(db);
    Publish(*engine);
    auto none = engine->WebhookSecrets("example_ads");
    ASSERT_THAT(none, IsOk());
    EXPECT_TRUE(none->empty());
    auto secret = engine->CurrentWebhookSecret("example_ads");
    ASSERT_THAT(secret, IsOk());
    made = secret->secret;
    EXPECT_TRUE(made.starts_with("whsec_"));
    EXPECT_THAT(recipients::WebhookKey(made), IsOk());
    EXPECT_EQ(secret->created, now_);
    EXPECT_EQ(engine->CurrentWebhookSecret("example_ads")->secret, made);
  }
  // Another process on the same store sees the same secret.
  auto engine = Open(db, StoreOpenMode::kExisting);
  EXPECT_EQ(engine->CurrentWebhookSecret("example_ads")->secret, made);
  auto all = engine->WebhookSecrets("example_ads");
  ASSERT_THAT(all, IsOk());
  ASSERT_THAT(*all, SizeIs(1));
  EXPECT_EQ(all->front().secret, made);
}

TEST_F(RecipientsTest, ARotationKeepsTheOldSecretSigningForTheOverlapOnly) {
  auto engine = Open("memory:");
  Publish(*engine);
  auto first = engine->CurrentWebhookSecret("example_ads");
  ASSERT_THAT(first, IsOk());
  now_ += kHour;
  auto second = engine->RotateWebhookSecret("example_ads", 24 * kHour);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->secret, first->secret);
  auto signing = engine->WebhookSecrets("example_ads");
  ASSERT_THAT(signing, IsOk());
  ASSERT_THAT(*signing, SizeIs(2));
  EXPECT_EQ((*signing)[0].secret, second->secret);  // newest first
  EXPECT_EQ((*signing)[1].secret, first->secret);
  EXPECT_EQ((*signing)[1].retires, now_ + 24 * kHour);
  EXPECT_EQ(engine->CurrentWebhookSecret("example_ads")->secret, second->secret);
  // A second rotation within the overlap retires the first at once.
  now_ += kHour;
  auto third = engine->RotateWebhookSecret("example_ads", 24 * kHour);
  ASSERT_THAT(third, IsOk());
  signing = engine->WebhookSecrets("example_ads");
  ASSERT_THAT(*signing, SizeIs(2));
  EXPECT_EQ((*signing)[1].secret, second->secret);
  // Past the overlap only the newest signs.
  now_ += 24 * kHour;
  signing = engine->WebhookSecrets("example_ads");
  ASSERT_THAT(*signing, SizeIs(1));
  EXPECT_EQ(signing->front().secret, third->secret);
  // No overlap: the old one stops at once.
  auto fourth = engine->RotateWebhookSecret("example_ads", 0);
  ASSERT_THAT(fourth, IsOk());
  EXPECT_THAT(*engine->WebhookSecrets("example_ads"), SizeIs(1));
  EXPECT_THAT(engine->RotateWebhookSecret("example_ads", -1), StatusIs(StatusCode::kInvalidArgument, HasSubstr("negative")));
}

TEST_F(RecipientsTest, OnlyAWebhookRecipientOfTheCatalogHasSecrets) {
  auto engine = Open("memory:");
  EXPECT_THAT(engine->CurrentWebhookSecret("example_ads"), StatusIs(StatusCode::kNotFound, HasSubstr("example_ads")));
  Publish(*engine);
  EXPECT_THAT(engine->CurrentWebhookSecret("nobody"),
              StatusIs(StatusCode::kNotFound, HasSubstr("no recipient `nobody` is in the catalog in force")));
  EXPECT_THAT(engine->CurrentWebhookSecret("example_exchange"),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("told by `pull`, not by webhook")));
  EXPECT_THAT(engine->WebhookSecrets("warehouse"), StatusIs(StatusCode::kFailedPrecondition, HasSubstr("manual")));
}

}  // namespace
}  // namespace optin
