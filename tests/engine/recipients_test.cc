// Recipients in the engine: the signing secrets of webhook recipients, kept
// in the store and rotated with an overlap on the engine's clock.
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "optin/proof.h"
#include "src/recipients/webhook_signature.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::ElementsAre;
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

// A recipient on the other end: what it was sent, and what it answers.
struct FakeRecipient {
  struct Received {
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
  };
  std::vector<Received> received;
  SendOutcome answer{.http_status = 204};

  WebhookSender Sender() {
    return [this](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) {
      received.push_back({url, {headers.begin(), headers.end()}, body});
      return answer;
    };
  }
};

class DeliveryTest : public RecipientsTest {
 protected:
  void SetUp() override {
    engine_ = Open("memory:");
    Publish(*engine_);
    auto secret = engine_->CurrentWebhookSecret("example_ads");
    ASSERT_THAT(secret, IsOk());
    key_ = *recipients::WebhookKey(secret->secret);
  }
  void Grant(const std::string& subject, const std::string& purpose) {
    const std::string purposes[] = {purpose};
    ASSERT_THAT(engine_->Grant(subject, purposes, {.channel = "web"}), IsOk());
  }
  void Withdraw(const std::string& subject, const std::string& purpose) {
    const std::string purposes[] = {purpose};
    ASSERT_THAT(engine_->Withdraw(subject, purposes, {.channel = "web"}), IsOk());
  }
  std::vector<std::string> States(const std::string& subject) {
    auto all = engine_->SubjectDeliveries(subject);
    EXPECT_THAT(all, IsOk());
    std::vector<std::string> out;
    for (const Delivery& d : *all) out.push_back(d.row.id + " " + d.row.kind + " " + d.row.state);
    return out;
  }
  size_t Deliver() {
    auto n = engine_->DeliverDue(recipient_.Sender(), 100, 60 * 1'000'000);
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : 0;
  }

  std::unique_ptr<Engine> engine_;
  std::string key_;
  FakeRecipient recipient_;
};

TEST_F(DeliveryTest, EachChangeIsWrittenForItsRecipientsWithTheEvent) {
  Grant("alice", "ads");
  Withdraw("alice", "ads");
  // The webhook recipient has two to send; the one that pulls has them
  // available at once; the warehouse receives another purpose.
  EXPECT_THAT(States("alice"), ElementsAre("2.example_ads grant pending", "2.example_exchange grant delivered",
                                           "3.example_ads withdraw pending", "3.example_exchange withdraw delivered"));
  auto all = engine_->SubjectDeliveries("alice");
  EXPECT_FALSE((*all)[0].row.needs_ack);
  EXPECT_TRUE((*all)[2].row.needs_ack);
  EXPECT_EQ((*all)[2].due, now_ + 12 * kHour);  // example_ads confirms within PT12H
  // A withdrawal of what was never granted tells nobody.
  Withdraw("bob", "ads");
  EXPECT_THAT(States("bob"), ElementsAre());
}

TEST_F(DeliveryTest, AWebhookIsSignedSoTheRecipientCanCheckItAndSentInTheSubjectsOrder) {
  Grant("alice", "ads");
  Withdraw("alice", "ads");
  // The withdrawal waits for the grant before it at the same recipient.
  EXPECT_EQ(Deliver(), 1u);
  ASSERT_EQ(recipient_.received.size(), 1u);
  EXPECT_EQ(Deliver(), 1u);
  ASSERT_EQ(recipient_.received.size(), 2u);
  const FakeRecipient::Received& r = recipient_.received[1];
  EXPECT_EQ(r.url, "https://hooks.example-ads.test/optin");
  EXPECT_EQ(r.headers.at("webhook-id"), "3.example_ads");
  const std::string keys[] = {key_};
  EXPECT_THAT(recipients::VerifyWebhook(keys,
                                        {r.headers.at("webhook-id"), r.headers.at("webhook-timestamp"),
                                         r.headers.at("webhook-signature")},
                                        r.body, now_ / 1'000'000),
              IsOk());
  JsonDoc body(r.body);
  EXPECT_EQ(body.Str("/type"), "consent.withdrawn");
  EXPECT_EQ(body.Str("/data/subject"), "alice");
  EXPECT_EQ(body.Str("/data/purpose"), "ads");
  EXPECT_EQ(body.At("/data/confirm"), "true");
  EXPECT_EQ(body.Str("/data/delivery"), "3.example_ads");
  EXPECT_THAT(States("alice"), ElementsAre("2.example_ads grant delivered", "2.example_exchange grant delivered",
                                           "3.example_ads withdraw delivered", "3.example_exchange withdraw delivered"));
  EXPECT_EQ(Deliver(), 0u);
}

TEST_F(DeliveryTest, ARecipientThatFailsIsRetriedWithBackoffAndOneThatRefusesIsMarkedFailed) {
  Grant("alice", "ads");
  recipient_.answer = {.http_status = 503, .retry_after = 0, .error = "down for maintenance"};
  EXPECT_EQ(Deliver(), 1u);
  auto d = engine_->SubjectDeliveries("alice");
  EXPECT_EQ((*d)[0].row.state, "pending");
  EXPECT_EQ((*d)[0].row.last_error, "down for maintenance");
  EXPECT_GE((*d)[0].row.next_attempt, now_ + 24 * 1'000'000);  // 30 s, less at most a fifth
  EXPECT_LE((*d)[0].row.next_attempt, now_ + 36 * 1'000'000);
  EXPECT_EQ(Deliver(), 0u);  // not yet
  // 429 with Retry-After: waited for as asked.
  now_ += 40 * 1'000'000;
  recipient_.answer = {.http_status = 429, .retry_after = 600 * int64_t{1'000'000}, .error = ""};
  EXPECT_EQ(Deliver(), 1u);
  d = engine_->SubjectDeliveries("alice");
  EXPECT_EQ((*d)[0].row.next_attempt, now_ + 600 * 1'000'000);
  EXPECT_EQ((*d)[0].row.last_error, "HTTP 429");
  EXPECT_EQ((*d)[0].row.attempts, 2);
  // A 4xx other than 408 and 429 is for good, with the body kept.
  now_ += 601 * 1'000'000;
  recipient_.answer = {.http_status = 400, .retry_after = 0, .error = "unknown subject format"};
  EXPECT_EQ(Deliver(), 1u);
  d = engine_->SubjectDeliveries("alice");
  EXPECT_EQ((*d)[0].row.state, "failed");
  EXPECT_EQ((*d)[0].row.last_error, "HTTP 400: unknown subject format");
  auto status = engine_->RecipientsStatus();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ((*status)[0].failed, 1u);
  EXPECT_EQ((*status)[0].last_error, "HTTP 400: unknown subject format");
}

TEST_F(DeliveryTest, RetriesStopAfterSeventyTwoHours) {
  Grant("alice", "ads");
  recipient_.answer = {.http_status = 0, .retry_after = 0, .error = "connection refused"};
  for (int i = 0; i < 40; ++i) {
    Deliver();
    now_ += 7 * kHour;
  }
  auto d = engine_->SubjectDeliveries("alice");
  EXPECT_EQ((*d)[0].row.state, "failed");
  EXPECT_THAT((*d)[0].row.last_error, HasSubstr("gave up after 72 hours; last: connection refused"));
  EXPECT_GE((*d)[0].row.attempts, 11);  // every attempt at most 6 h apart
}

TEST_F(DeliveryTest, ConfirmationsAreKeptOnceAndOverdueOnesCounted) {
  Grant("alice", "ads");
  Withdraw("alice", "ads");
  Deliver();
  Deliver();
  auto status = engine_->RecipientsStatus();
  ASSERT_THAT(status, IsOk());
  ASSERT_EQ(status->size(), 3u);
  EXPECT_EQ((*status)[0].recipient, "example_ads");
  EXPECT_EQ((*status)[0].unconfirmed, 1u);
  EXPECT_EQ((*status)[0].overdue, 0u);
  now_ += 13 * kHour;  // past PT12H
  status = engine_->RecipientsStatus();
  EXPECT_EQ((*status)[0].overdue, 1u);
  EXPECT_EQ((*status)[1].overdue, 0u);  // example_exchange has P1D
  // A bad ack records nothing, even beside a good one.
  const DeliveryAck bad[] = {{"3.example_ads", "stopped", 0}, {"9.example_ads", "stopped", 0}};
  EXPECT_THAT(engine_->ConfirmDeliveries("example_ads", bad), StatusIs(StatusCode::kNotFound, HasSubstr("9.example_ads")));
  const DeliveryAck wrong[] = {{"3.example_ads", "paused", 0}};
  EXPECT_THAT(engine_->ConfirmDeliveries("example_ads", wrong), StatusIs(StatusCode::kInvalidArgument, HasSubstr("paused")));
  const DeliveryAck future[] = {{"3.example_ads", "stopped", now_ + kHour}};
  EXPECT_THAT(engine_->ConfirmDeliveries("example_ads", future),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("in the future")));
  const DeliveryAck others[] = {{"3.example_ads", "stopped", 0}};
  EXPECT_THAT(engine_->ConfirmDeliveries("example_exchange", others), StatusIs(StatusCode::kNotFound, HasSubstr("3.example_ads")));
  EXPECT_EQ(engine_->RecipientsStatus()->at(0).confirmed, 0u);
  const DeliveryAck good[] = {{"3.example_ads", "stopped", now_ - kHour}};
  auto confirmed = engine_->ConfirmDeliveries("example_ads", good);
  ASSERT_THAT(confirmed, IsOk());
  EXPECT_EQ((*confirmed)[0].row.confirmed, now_);
  EXPECT_EQ((*confirmed)[0].row.confirmed_at, now_ - kHour);
  EXPECT_FALSE((*confirmed)[0].overdue);
  status = engine_->RecipientsStatus();
  EXPECT_EQ((*status)[0].overdue, 0u);
  EXPECT_EQ((*status)[0].confirmed, 1u);
  EXPECT_EQ((*status)[0].p50_confirm_micros, 13 * kHour);
}

TEST_F(DeliveryTest, GpcAndErasureAreToldToWhoeverMayHoldTheData) {
  Grant("alice", "ads");
  Grant("alice", "recommendations");
  ASSERT_THAT(engine_->RecordGpc("alice", {.channel = "gpc"}), IsOk());
  // GPC concerns the sale-or-share purpose `ads` only.
  auto d = engine_->SubjectDeliveries("alice");
  std::vector<std::string> signals;
  for (const Delivery& x : *d) {
    if (x.row.kind == "signal") signals.push_back(x.row.recipient);
  }
  EXPECT_THAT(signals, ElementsAre("example_ads", "example_exchange"));
  ASSERT_THAT(engine_->Erase("alice", {.channel = "api"}), IsOk());
  d = engine_->SubjectDeliveries("alice");
  std::vector<std::string> erased;
  for (const Delivery& x : *d) {
    if (x.row.kind == "erase") {
      erased.push_back(x.row.recipient);
      EXPECT_EQ(x.row.subject, "alice");
    } else {
      EXPECT_EQ(x.row.subject, "") << x.row.id;  // forgotten with the subject
      EXPECT_NE(x.row.state, "pending") << x.row.id;
    }
  }
  EXPECT_THAT(erased, ElementsAre("example_ads", "example_exchange", "warehouse"));
}

TEST_F(DeliveryTest, AConsentThatLapsesIsToldLikeAWithdrawalOnce) {
  Grant("alice", "ads");           // expires P12M
  Grant("bob", "ads");
  Withdraw("bob", "ads");          // said no: nothing lapses
  Grant("carol", "ads");
  ASSERT_THAT(engine_->RecordGpc("carol", {.channel = "gpc"}), IsOk());  // told as a GPC signal already
  Grant("dave", "recommendations");
  EXPECT_EQ(*engine_->TellLapses(), 0u);
  // A year and a day on, alice's yes has expired.
  now_ += (366 + 1) * 24 * kHour;
  EXPECT_EQ(engine_->Decide("alice", "ads").reason, Reason::kExpired);
  EXPECT_EQ(*engine_->TellLapses(), 2u);
  EXPECT_THAT(States("alice"), ElementsAre("2.example_ads grant pending", "2.example_exchange grant delivered",
                                           "2.example_ads.lapsed lapse pending",
                                           "2.example_exchange.lapsed lapse delivered"));
  EXPECT_EQ(*engine_->TellLapses(), 0u);  // told once
  EXPECT_THAT(States("bob"), ::testing::Not(::testing::Contains(::testing::HasSubstr("lapse"))));
  EXPECT_THAT(States("carol"), ::testing::Not(::testing::Contains(::testing::HasSubstr("lapse"))));
  // The webhook says so, after alice's grant, and asks for a confirmation.
  while (Deliver() > 0) {
  }
  std::vector<std::string> to_alice;
  for (const FakeRecipient::Received& r : recipient_.received) {
    if (JsonDoc(r.body).Str("/data/subject") == "alice") to_alice.push_back(r.headers.at("webhook-id"));
  }
  EXPECT_THAT(to_alice, ElementsAre("2.example_ads", "2.example_ads.lapsed"));
  JsonDoc body(recipient_.received.back().body);
  EXPECT_EQ(body.Str("/type"), "consent.lapsed");
  EXPECT_EQ(body.Str("/data/action"), "lapse");
  EXPECT_EQ(body.At("/data/confirm"), "true");
  // A material change of the notice lapses dave's yes: the warehouse is told.
  std::string text = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml");
  const std::string before = "We suggest products from your orders.";
  text.replace(text.find(before), before.size(), "We suggest products from your orders and your visits.");
  auto changed = ParseCatalog(text, "r.yaml");
  ASSERT_THAT(changed, IsOk());
  ASSERT_THAT(engine_->Publish(*changed, {}, {.channel = "cli"}), IsOk());
  EXPECT_EQ(*engine_->TellLapses(), 1u);
  auto dave = engine_->SubjectDeliveries("dave");
  ASSERT_THAT(dave, IsOk());
  ASSERT_EQ(dave->size(), 2u);
  EXPECT_EQ((*dave)[1].row.id, "7.warehouse.lapsed");
  EXPECT_EQ((*dave)[1].row.kind, "lapse");
  EXPECT_TRUE((*dave)[1].row.needs_ack);
  // An erased subject's lapse is never written.
  Grant("erin", "ads");
  ASSERT_THAT(engine_->Erase("erin", {.channel = "api"}), IsOk());
  now_ += (366 + 1) * 24 * kHour;
  EXPECT_THAT(engine_->TellLapses(), IsOk());
  EXPECT_THAT(States("erin"), ::testing::Not(::testing::Contains(::testing::HasSubstr("lapse"))));
}

TEST_F(DeliveryTest, AReceiptSaysWhoWasToldOfItsEventAndWhoConfirmed) {
  Grant("alice", "ads");
  Withdraw("alice", "ads");
  while (Deliver() > 0) {
  }
  const DeliveryAck ack[] = {{"3.example_ads", "stopped", now_}};
  ASSERT_THAT(engine_->ConfirmDeliveries("example_ads", ack), IsOk());
  const uint64_t withdrawal[] = {3};
  auto receipts = engine_->Receipts("alice", withdrawal, "ja");
  ASSERT_THAT(receipts, IsOk());
  ASSERT_EQ(receipts->size(), 1u);
  auto verified = VerifyReceipt(receipts->front());
  ASSERT_THAT(verified, IsOk());
  EXPECT_TRUE(verified->ok);  // the signature covers what was told
  JsonDoc r(receipts->front());
  ASSERT_EQ(r.Size("/receipt/told"), 2);
  EXPECT_EQ(r.Str("/receipt/told/0/recipient"), "example_ads");
  EXPECT_EQ(r.Str("/receipt/told/0/name"), "エグザンプル広告");
  EXPECT_EQ(r.Str("/receipt/told/0/delivery"), "3.example_ads");
  EXPECT_EQ(r.Str("/receipt/told/0/action"), "withdraw");
  EXPECT_EQ(r.Str("/receipt/told/0/confirmed_action"), "stopped");
  EXPECT_NE(r.At("/receipt/told/0/told"), "null");
  EXPECT_EQ(r.Str("/receipt/told/1/recipient"), "example_exchange");
  EXPECT_EQ(r.At("/receipt/told/1/confirmed"), "null");
  // Changing what a receipt says was told breaks its signature.
  std::string forged = receipts->front();
  forged.replace(forged.find("\"stopped\""), 9, "\"deleted\"");
  auto check = VerifyReceipt(forged);
  ASSERT_THAT(check, IsOk());
  EXPECT_FALSE(check->ok);
  // The grant's receipt lists the grant's deliveries only.
  const uint64_t grant[] = {2};
  JsonDoc g(engine_->Receipts("alice", grant)->front());
  EXPECT_EQ(g.Str("/receipt/told/0/action"), "grant");
}

}  // namespace
}  // namespace optin
