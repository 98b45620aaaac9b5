// Usage in the engine (docs/usage.md): checks that name who uses the data,
// denied when the notice does not name them; the days of allowed use noted
// once per day and written by a flush; denied checks counted for the
// company; usage gone with the subject's erasure and after the purpose's
// retention.
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kDay = int64_t{86'400} * 1'000'000;

MATCHER_P3(UsedOn, purpose, recipient, days, "") {
  return arg.purpose == purpose && arg.recipient == recipient && arg.days == std::vector<int32_t>(days);
}

class UsageTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = Open(); }

  std::unique_ptr<Engine> Open(bool record = true) {
    auto engine = Engine::Open(NewMemoryStore(), {.clock = [this] { return now_; }, .record_usage = record});
    EXPECT_THAT(engine, IsOk());
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
    EXPECT_THAT(catalog, IsOk());
    EXPECT_THAT((*engine)->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    return std::move(engine).value();
  }
  void Grant(Engine& engine, const std::string& subject, const std::string& purpose) {
    const std::string purposes[] = {purpose};
    ASSERT_THAT(engine.Grant(subject, purposes, {.channel = "cli"}), IsOk());
  }
  std::vector<UsageDays> Usage(Engine& engine, const std::string& subject) {
    auto usage = engine.SubjectUsage(subject);
    EXPECT_THAT(usage, IsOk());
    return usage.ok() ? *usage : std::vector<UsageDays>{};
  }
  int32_t Today() const { return static_cast<int32_t>(now_ / kDay); }

  int64_t now_ = 1'790'000'000'000'000;  // 2026-09-21
  std::unique_ptr<Engine> engine_;
};

TEST_F(UsageTest, ARecipientTheNoticeDoesNotNameIsDeniedEvenWithConsent) {
  Grant(*engine_, "alice", "ads");
  EXPECT_EQ(engine_->Check("alice", "ads", "example_ads"), (Decision{true, Reason::kGranted, 2}));
  EXPECT_EQ(engine_->Check("alice", "ads"), (Decision{true, Reason::kGranted, 2}));  // the company itself
  EXPECT_EQ(engine_->Check("alice", "ads", "warehouse"), (Decision{false, Reason::kRecipientNotDeclared, 2}));
  EXPECT_EQ(engine_->Check("alice", "ads", "nobody_we_know"), (Decision{false, Reason::kRecipientNotDeclared, 2}));
  // A necessary purpose too: its notice names who gets the data.
  EXPECT_EQ(engine_->Check("alice", "delivery", "example_ads").reason, Reason::kRecipientNotDeclared);
  EXPECT_EQ(engine_->Check("alice", "delivery").reason, Reason::kNecessary);
  // Without consent the reason is the consent's.
  EXPECT_EQ(engine_->Check("bob", "ads", "warehouse").reason, Reason::kNoConsent);
  EXPECT_EQ(ReasonName(Reason::kRecipientNotDeclared), "recipient_not_declared");
}

TEST_F(UsageTest, AllowedUseIsADayPerSubjectPurposeAndUserWrittenByAFlush) {
  Grant(*engine_, "alice", "ads");
  for (int i = 0; i < 100; ++i) engine_->Check("alice", "ads", "example_ads");
  engine_->Check("alice", "ads");
  engine_->Decide("alice", "ads");  // a decision alone notes nothing
  EXPECT_THAT(Usage(*engine_, "alice"), IsEmpty());  // not written before a flush
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  now_ += 3 * kDay;
  engine_->Check("alice", "ads", "example_ads");
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine_, "alice"),
              ElementsAre(UsedOn("ads", "", std::vector<int32_t>{Today() - 3}),
                          UsedOn("ads", "example_ads", std::vector<int32_t>{Today() - 3, Today()})));
  EXPECT_THAT(Usage(*engine_, "bob"), IsEmpty());
  EXPECT_THAT(engine_->SubjectUsage("bad id\n"), StatusIs(StatusCode::kInvalidArgument, ::testing::_));
}

TEST_F(UsageTest, NecessaryUseAndDeniedChecksNoteNoDayButDeniedOnesAreCounted) {
  Grant(*engine_, "alice", "ads");
  const std::string ads[] = {"ads"};
  ASSERT_THAT(engine_->Withdraw("alice", ads, {.channel = "cli"}), IsOk());
  for (int i = 0; i < 3; ++i) engine_->Check("alice", "ads", "example_ads");  // asking after a no
  engine_->Check("bob", "ads");
  engine_->Check("bob", "no_such_purpose", "example_ads");
  engine_->Check("bob", "ads", "typo_recipient");
  engine_->Check("bob", "delivery");
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine_, "alice"), IsEmpty());
  EXPECT_THAT(Usage(*engine_, "bob"), IsEmpty());
  auto denied = engine_->DeniedChecks(now_);
  ASSERT_THAT(denied, IsOk());
  EXPECT_THAT(*denied, ::testing::UnorderedElementsAre(
                           DeniedCountRow{Today(), "ads", "example_ads", "withdrawn", 3},
                           DeniedCountRow{Today(), "ads", "", "no_consent", 2},
                           DeniedCountRow{Today(), "", "example_ads", "unknown_purpose", 1}));
  // Counts add up across flushes.
  engine_->Check("alice", "ads", "example_ads");
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(*engine_->DeniedChecks(now_),
              ::testing::Contains(DeniedCountRow{Today(), "ads", "example_ads", "withdrawn", 4}));
  EXPECT_THAT(*engine_->DeniedChecks(now_ + kDay), IsEmpty());
}

TEST_F(UsageTest, ErasureTakesTheDaysWithItEvenFromALateFlush) {
  Grant(*engine_, "alice", "ads");
  engine_->Check("alice", "ads", "example_ads");
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  ASSERT_EQ(Usage(*engine_, "alice").size(), 1u);
  now_ += kDay;
  engine_->Check("alice", "ads", "example_ads");  // noted, not yet written
  ASSERT_THAT(engine_->Erase("alice", {.channel = "cli"}), IsOk());
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine_, "alice"), IsEmpty());
  // Back as a new subject: nothing of before.
  Grant(*engine_, "alice", "ads");
  EXPECT_THAT(Usage(*engine_, "alice"), IsEmpty());
}

TEST_F(UsageTest, DaysAreKeptForThePurposesRetention) {
  Grant(*engine_, "alice", "recommendations");  // retention P1Y
  Grant(*engine_, "alice", "ads");              // retention P13M
  engine_->Check("alice", "recommendations", "warehouse");
  engine_->Check("alice", "ads");
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  now_ += 370 * kDay;
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine_, "alice"), ElementsAre(UsedOn("ads", "", std::vector<int32_t>{Today() - 370})));
  now_ += 40 * kDay;
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine_, "alice"), IsEmpty());
}

TEST_F(UsageTest, RecordingOffNotesNothing) {
  auto engine = Open(/*record=*/false);
  Grant(*engine, "alice", "ads");
  EXPECT_TRUE(engine->Check("alice", "ads", "example_ads").allowed);
  engine->Check("bob", "ads");
  ASSERT_THAT(engine->FlushUsage(), IsOk());
  EXPECT_THAT(Usage(*engine, "alice"), IsEmpty());
  EXPECT_THAT(*engine->DeniedChecks(0), IsEmpty());
}

}  // namespace
}  // namespace optin
