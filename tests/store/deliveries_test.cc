// Deliveries to recipients, in every store: written with their events,
// claimed in each subject's order with a lease, finished, confirmed, erased
// with their subject, and claimed by two handles at once (two nodes of one
// PostgreSQL database, two processes on one SQLite file) exactly once.
#include <gmock/gmock.h>

#include <functional>
#include <set>
#include <thread>

#include "optin/store.h"
#include "src/common/crypto.h"
#include "tests/store/store_factories.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::Factory;
using ::optin::testing::IsOk;
using ::optin::testing::OpenOrNull;
using ::optin::testing::Opened;
using ::optin::testing::Postgres;
using ::optin::testing::EveryStore;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kSecond = 1'000'000;

class DeliveriesTest : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    opened_ = GetParam().open(dir_);
    ASSERT_NE(opened_.store, nullptr);
  }
  Store& store() { return *opened_.store; }

  static StoredEvent Ev(uint64_t seq, std::string ref) {
    StoredEvent e;
    e.seq = seq;
    e.subject_ref = std::move(ref);
    e.body = "body-" + std::to_string(seq);
    e.hash = Sha256(e.body);
    return e;
  }

  static DeliveryRow Row(uint64_t seq, std::string recipient, std::string subject, std::string kind = "withdraw") {
    DeliveryRow d;
    d.id = std::to_string(seq) + "." + recipient;
    d.recipient = std::move(recipient);
    d.seq = seq;
    d.subject = subject;
    d.subject_ref = "ref-" + subject;
    d.kind = std::move(kind);
    d.purpose = d.kind == "erase" ? "" : "ads";
    d.created = 100 * kSecond;
    d.needs_ack = d.kind != "grant";
    d.next_attempt = 100 * kSecond;
    return d;
  }

  // Appends event `seq` of `subject` with its deliveries.
  void Append(uint64_t seq, const std::string& subject, std::vector<DeliveryRow> deliveries, bool erase = false) {
    AppendBatch batch;
    batch.events = {Ev(seq, "ref-" + subject)};
    batch.deliveries = std::move(deliveries);
    if (erase) batch.erased_keys = {"ref-" + subject};
    ASSERT_THAT(store().Append(batch), IsOk());
  }

  std::vector<std::string> Ids(const Result<std::vector<DeliveryRow>>& rows) {
    EXPECT_THAT(rows, IsOk());
    std::vector<std::string> out;
    if (rows.ok()) {
      for (const DeliveryRow& d : *rows) out.push_back(d.id);
    }
    return out;
  }

  std::vector<DeliveryRow> All(std::string_view recipient = "", std::string_view ref = "") {
    std::vector<DeliveryRow> out;
    EXPECT_THAT(store().ScanDeliveries(recipient, ref, [&](const DeliveryRow& d) {
      out.push_back(d);
      return OkStatus();
    }), IsOk());
    return out;
  }

  TempDir dir_;
  Opened opened_;
};

TEST_P(DeliveriesTest, AreWrittenWithTheirEventsAndReadBack) {
  Append(1, "alice", {Row(1, "ads_net", "alice"), Row(1, "warehouse", "alice")});
  Append(2, "bob", {Row(2, "ads_net", "bob", "grant")});
  std::vector<DeliveryRow> all = All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "1.ads_net");
  EXPECT_EQ(all[0].subject, "alice");
  EXPECT_EQ(all[0].subject_ref, "ref-alice");
  EXPECT_EQ(all[0].kind, "withdraw");
  EXPECT_EQ(all[0].purpose, "ads");
  EXPECT_EQ(all[0].state, "pending");
  EXPECT_TRUE(all[0].needs_ack);
  EXPECT_FALSE(all[2].needs_ack);
  EXPECT_EQ(All("ads_net").size(), 2u);
  EXPECT_EQ(All("", "ref-bob").size(), 1u);
  EXPECT_EQ(All("warehouse", "ref-bob").size(), 0u);
  // Deliveries go only with their events: a refused append writes none.
  AppendBatch stale;
  stale.events = {Ev(2, "ref-carol")};
  stale.deliveries = {Row(2, "ads_net", "carol")};
  EXPECT_THAT(store().Append(stale), StatusIs(StatusCode::kAlreadyExists, HasSubstr("moved on")));
  EXPECT_EQ(All("", "ref-carol").size(), 0u);
}

TEST_P(DeliveriesTest, AreClaimedWhenDueInEachSubjectsOrderAndHeldForTheLease) {
  Append(1, "alice", {Row(1, "ads_net", "alice")});
  Append(2, "bob", {Row(2, "ads_net", "bob")});
  Append(3, "alice", {Row(3, "ads_net", "alice", "grant"), Row(3, "warehouse", "alice", "grant")});
  // Not yet due.
  EXPECT_THAT(Ids(store().ClaimDeliveries(99 * kSecond, 30 * kSecond, 10)), ElementsAre());
  // Alice's second event waits for her first at the same recipient; the
  // other recipient need not wait.
  EXPECT_THAT(Ids(store().ClaimDeliveries(100 * kSecond, 30 * kSecond, 10)),
              ElementsAre("1.ads_net", "2.ads_net", "3.warehouse"));
  // Held: nobody else gets them during the lease.
  EXPECT_THAT(Ids(store().ClaimDeliveries(101 * kSecond, 30 * kSecond, 10)), ElementsAre());
  // Delivered: the next of alice's comes free.
  DeliveryRow done = All("ads_net", "ref-alice")[0];
  done.state = "delivered";
  done.attempts = 1;
  done.delivered = 101 * kSecond;
  ASSERT_THAT(store().FinishDeliveries(std::span<const DeliveryRow>(&done, 1)), IsOk());
  EXPECT_THAT(Ids(store().ClaimDeliveries(102 * kSecond, 30 * kSecond, 10)), ElementsAre("3.ads_net"));
  // A lease that ran out (a node that died) lets another claim it.
  EXPECT_THAT(Ids(store().ClaimDeliveries(131 * kSecond, 30 * kSecond, 1)), ElementsAre("2.ads_net"));
  // A failed attempt waits for its retry.
  DeliveryRow retry = All("ads_net", "ref-bob")[0];
  retry.attempts = 1;
  retry.next_attempt = 200 * kSecond;
  retry.last_error = "HTTP 503";
  ASSERT_THAT(store().FinishDeliveries(std::span<const DeliveryRow>(&retry, 1)), IsOk());
  EXPECT_THAT(Ids(store().ClaimDeliveries(199 * kSecond, 30 * kSecond, 10)), ElementsAre("3.ads_net", "3.warehouse"));
  EXPECT_THAT(Ids(store().ClaimDeliveries(200 * kSecond, 30 * kSecond, 10)), ElementsAre("2.ads_net"));
  EXPECT_EQ(All("ads_net", "ref-bob")[0].last_error, "HTTP 503");
}

TEST_P(DeliveriesTest, AConfirmationIsKeptOnceAndOnlyForItsRecipient) {
  Append(1, "alice", {Row(1, "ads_net", "alice")});
  auto confirmed = store().ConfirmDelivery("ads_net", "1.ads_net", "stopped", 150 * kSecond, 160 * kSecond);
  ASSERT_THAT(confirmed, IsOk());
  EXPECT_EQ(confirmed->confirmed, 160 * kSecond);
  EXPECT_EQ(confirmed->confirmed_action, "stopped");
  EXPECT_EQ(confirmed->confirmed_at, 150 * kSecond);
  EXPECT_EQ(confirmed->subject, "alice");
  // Again, later, saying something else: the first stands.
  auto again = store().ConfirmDelivery("ads_net", "1.ads_net", "deleted", 170 * kSecond, 180 * kSecond);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->confirmed, 160 * kSecond);
  EXPECT_EQ(again->confirmed_action, "stopped");
  EXPECT_THAT(store().ConfirmDelivery("warehouse", "1.ads_net", "stopped", 1, 2),
              StatusIs(StatusCode::kNotFound, HasSubstr("recipient `warehouse` has no delivery `1.ads_net`")));
  EXPECT_THAT(store().ConfirmDelivery("ads_net", "9.ads_net", "stopped", 1, 2), StatusIs(StatusCode::kNotFound, HasSubstr("9.ads_net")));
}

TEST_P(DeliveriesTest, AnErasureSupersedesWhatIsPendingAndForgetsTheSubjectOnceConfirmed) {
  Append(1, "alice", {Row(1, "ads_net", "alice")});
  Append(2, "alice", {Row(2, "warehouse", "alice", "grant")});
  DeliveryRow sent = All("warehouse")[0];
  sent.state = "delivered";
  sent.delivered = 101 * kSecond;
  ASSERT_THAT(store().FinishDeliveries(std::span<const DeliveryRow>(&sent, 1)), IsOk());
  Append(3, "alice", {Row(3, "ads_net", "alice", "erase"), Row(3, "warehouse", "alice", "erase")}, /*erase=*/true);
  std::vector<DeliveryRow> all = All("", "ref-alice");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].state, "superseded");  // the withdrawal never sent: the erasure says more
  EXPECT_EQ(all[0].subject, "");
  EXPECT_EQ(all[1].state, "delivered");
  EXPECT_EQ(all[1].subject, "");
  EXPECT_EQ(all[2].kind, "erase");
  EXPECT_EQ(all[2].subject, "alice");  // the recipient must know whom to erase
  // A superseded delivery finished late stays superseded.
  DeliveryRow late = all[0];
  late.state = "delivered";
  ASSERT_THAT(store().FinishDeliveries(std::span<const DeliveryRow>(&late, 1)), IsOk());
  EXPECT_EQ(All("ads_net", "ref-alice")[0].state, "superseded");
  // Once the recipient confirms the erasure, the id is gone from here too.
  auto confirmed = store().ConfirmDelivery("ads_net", "3.ads_net", "deleted", 200 * kSecond, 201 * kSecond);
  ASSERT_THAT(confirmed, IsOk());
  EXPECT_EQ(confirmed->subject, "");
  EXPECT_EQ(All("warehouse", "ref-alice")[1].subject, "alice");
}

TEST_P(DeliveriesTest, DeliveriesWithoutAnEventAreAddedOnceAndOnlyForASubjectWithAKey) {
  AppendBatch keyed;
  keyed.events = {Ev(1, "ref-alice")};
  keyed.new_keys = {{"ref-alice", std::string(32, 'k')}};
  ASSERT_THAT(store().Append(keyed), IsOk());
  DeliveryRow lapse = Row(1, "ads_net", "alice", "lapse");
  lapse.id = "1.ads_net.lapsed";
  DeliveryRow stranger = Row(1, "ads_net", "bob", "lapse");
  stranger.id = "1.ads_net.bob";
  const DeliveryRow rows[] = {lapse, stranger};
  ASSERT_THAT(store().AddDeliveries(rows), IsOk());
  ASSERT_THAT(store().AddDeliveries(rows), IsOk());  // another node's sweep: nothing twice
  std::vector<DeliveryRow> all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "1.ads_net.lapsed");
  EXPECT_EQ(all[0].kind, "lapse");
  EXPECT_EQ(all[0].subject, "alice");
  // Erased: a later sweep adds nothing about the subject.
  Append(2, "alice", {}, /*erase=*/true);
  lapse.id = "2.ads_net.lapsed";
  ASSERT_THAT(store().AddDeliveries(std::span<const DeliveryRow>(&lapse, 1)), IsOk());
  EXPECT_EQ(All().size(), 1u);
}

TEST_P(DeliveriesTest, TwoHandlesClaimingAtOnceGetEachDeliveryOnce) {
  if (!opened_.again) GTEST_SKIP() << "a memory store has one handle";
  std::unique_ptr<Store> other = opened_.again();
  ASSERT_NE(other, nullptr);
  constexpr int kEvents = 60;
  for (int i = 1; i <= kEvents; ++i) {
    const std::string subject = "s" + std::to_string(i);
    Append(i, subject, {Row(i, "ads_net", subject), Row(i, "warehouse", subject)});
  }
  std::vector<std::string> got[2];
  Store* handles[2] = {&store(), other.get()};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        auto claimed = handles[t]->ClaimDeliveries(100 * kSecond, 600 * kSecond, 3);
        if (!claimed.ok()) continue;  // a busy SQLite file: try again
        for (const DeliveryRow& d : *claimed) got[t].push_back(d.id);
        if (claimed->empty() && got[0].size() + got[1].size() >= 2 * kEvents) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> all(got[0].begin(), got[0].end());
  all.insert(got[1].begin(), got[1].end());
  EXPECT_EQ(all.size(), 2u * kEvents);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "a delivery was claimed twice";
}

INSTANTIATE_TEST_SUITE_P(AllStores, DeliveriesTest, EveryStore("deliveries"),
                         [](const auto& info) { return info.param.name; });

// A PostgreSQL store of schema 3 gains the deliveries and usage tables when opened.
TEST(PostgresDeliveries, AVersionThreeStoreIsMigrated) {
  ASSERT_TRUE(Postgres().error().empty()) << Postgres().error();
  const std::string url = Postgres().NewDatabase("deliveries_migrated");
  ASSERT_NE(OpenOrNull(url, StoreOpenMode::kCreate), nullptr);
  ASSERT_EQ(Postgres().Psql(url, "DROP TABLE deliveries; DROP TABLE usage_days; DROP TABLE usage_denied; "
                                 "UPDATE optin_meta SET value = '3' WHERE name = 'schema_version';").exit_code,
            0);
  std::unique_ptr<Store> store = OpenOrNull(url, StoreOpenMode::kExisting);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->ScanDeliveries("", "", [](const DeliveryRow&) { return OkStatus(); }), IsOk());
  EXPECT_THAT(store->ScanUsage("", [](const UsageDayRow&) { return OkStatus(); }), IsOk());
  EXPECT_EQ(Postgres().Psql(url, "SELECT convert_from(value, 'UTF8') FROM optin_meta WHERE name = 'schema_version'").out,
            "5\n");
}

}  // namespace
}  // namespace optin
