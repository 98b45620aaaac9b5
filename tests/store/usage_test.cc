// Usage days and denied counts, in every store: a day written once however
// often it is recorded, never for a subject without a key (an erasure that
// came first), deleted with the subject's erasure and when it expires;
// denied counts added up across flushes and handles.
#include <gmock/gmock.h>

#include "optin/store.h"
#include "src/common/crypto.h"
#include "tests/store/store_factories.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::EveryStore;
using ::optin::testing::Factory;
using ::optin::testing::IsOk;
using ::optin::testing::Opened;
using ::optin::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class UsageTest : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    opened_ = GetParam().open(dir_);
    ASSERT_NE(opened_.store, nullptr);
  }
  Store& store() { return *opened_.store; }

  // Gives `subject` a key with event `seq`, or (erase) destroys it.
  void Event(uint64_t seq, const std::string& subject, bool erase = false) {
    AppendBatch batch;
    StoredEvent e;
    e.seq = seq;
    e.subject_ref = "ref-" + subject;
    e.body = "body-" + std::to_string(seq);
    e.hash = Sha256(e.body);
    batch.events = {e};
    if (erase) batch.erased_keys = {e.subject_ref};
    else batch.new_keys = {{e.subject_ref, std::string(32, 'k')}};
    ASSERT_THAT(store().Append(batch), IsOk());
  }

  static UsageDayRow Day(const std::string& subject, std::string purpose, std::string recipient, int32_t day) {
    return {"ref-" + subject, std::move(purpose), std::move(recipient), day, day + 30};
  }

  std::vector<UsageDayRow> Days(const std::string& subject) {
    std::vector<UsageDayRow> out;
    EXPECT_THAT(store().ScanUsage(subject.empty() ? "" : "ref-" + subject, [&](const UsageDayRow& u) {
      out.push_back(u);
      return OkStatus();
    }), IsOk());
    return out;
  }

  std::vector<DeniedCountRow> Denied(int32_t since) {
    std::vector<DeniedCountRow> out;
    EXPECT_THAT(store().ScanDeniedCounts(since, [&](const DeniedCountRow& d) {
      out.push_back(d);
      return OkStatus();
    }), IsOk());
    return out;
  }

  TempDir dir_;
  Opened opened_;
};

TEST_P(UsageTest, ADayIsKeptOnceAndOnlyForASubjectWithAKey) {
  Event(1, "alice");
  UsageBatch batch;
  batch.days = {Day("alice", "ads", "ad_net", 20'400), Day("alice", "ads", "ad_net", 20'400),
                Day("alice", "ads", "", 20'401), Day("nobody", "ads", "ad_net", 20'400)};
  ASSERT_THAT(store().RecordUsage(batch), IsOk());
  ASSERT_THAT(store().RecordUsage(batch), IsOk());  // a flush repeated by another node
  EXPECT_THAT(Days("alice"),
              ElementsAre(Day("alice", "ads", "", 20'401), Day("alice", "ads", "ad_net", 20'400)));
  EXPECT_THAT(Days("nobody"), IsEmpty());
  EXPECT_EQ(Days("").size(), 2u);
}

TEST_P(UsageTest, AnErasureDeletesTheSubjectsDaysAndALateFlushDoesNotBringThemBack) {
  Event(1, "alice");
  Event(2, "bob");
  UsageBatch batch;
  batch.days = {Day("alice", "ads", "ad_net", 20'400), Day("bob", "ads", "ad_net", 20'400)};
  ASSERT_THAT(store().RecordUsage(batch), IsOk());
  Event(3, "alice", /*erase=*/true);
  EXPECT_THAT(Days("alice"), IsEmpty());
  EXPECT_EQ(Days("bob").size(), 1u);
  // What a node noted before the erasure, flushed after it.
  ASSERT_THAT(store().RecordUsage(batch), IsOk());
  EXPECT_THAT(Days("alice"), IsEmpty());
}

TEST_P(UsageTest, ExpiredDaysArePruned) {
  Event(1, "alice");
  UsageBatch batch;
  batch.days = {Day("alice", "ads", "ad_net", 100), Day("alice", "ads", "ad_net", 200)};
  ASSERT_THAT(store().RecordUsage(batch), IsOk());
  UsageBatch prune;
  prune.prune_through = 130;  // the first expires on day 130
  ASSERT_THAT(store().RecordUsage(prune), IsOk());
  EXPECT_THAT(Days("alice"), ElementsAre(Day("alice", "ads", "ad_net", 200)));
}

TEST_P(UsageTest, DeniedCountsAddUpAcrossFlushesAndHandles) {
  UsageBatch batch;
  batch.denied = {{20'400, "ads", "ad_net", "withdrawn", 3}, {20'401, "ads", "", "no_consent", 1}};
  ASSERT_THAT(store().RecordUsage(batch), IsOk());
  std::unique_ptr<Store> other = opened_.again ? opened_.again() : nullptr;
  ASSERT_THAT((other ? *other : store()).RecordUsage(batch), IsOk());
  EXPECT_THAT(Denied(0), ElementsAre(DeniedCountRow{20'400, "ads", "ad_net", "withdrawn", 6},
                                     DeniedCountRow{20'401, "ads", "", "no_consent", 2}));
  EXPECT_THAT(Denied(20'401), ElementsAre(DeniedCountRow{20'401, "ads", "", "no_consent", 2}));
}

INSTANTIATE_TEST_SUITE_P(AllStores, UsageTest, EveryStore("usage"), [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace optin
