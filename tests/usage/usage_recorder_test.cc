// UsageRecorder: a use once per subject, purpose, user and day whatever the
// threads; denied checks counted exactly; bounded room, with what did not
// fit counted.
#include <gmock/gmock.h>

#include <optional>
#include <thread>

#include "src/usage/usage_recorder.h"

namespace optin::internal {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

TEST(UsageRecorder, NotesAUseOncePerDayAcrossThreads) {
  UsageRecorder recorder;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        recorder.NoteUse("s" + std::to_string(i % 50), "ads", "ad_net", 100);
        recorder.NoteDenied("ads", "ad_net", Reason::kWithdrawn, 100);
      }
    });
  }
  for (auto& t : threads) t.join();
  UsageRecorder::Noted noted = recorder.Take();
  EXPECT_THAT(noted.uses, SizeIs(50));
  EXPECT_THAT(noted.denied, UnorderedElementsAre(DeniedCountRow{100, "ads", "ad_net", "withdrawn", 4000}));
  EXPECT_EQ(noted.dropped, 0u);
  // Taken once: the next Take is empty, and the same use that day is not
  // noted again; the next day it is.
  recorder.NoteUse("s1", "ads", "ad_net", 100);
  EXPECT_THAT(recorder.Take().uses, IsEmpty());
  recorder.NoteUse("s1", "ads", "ad_net", 101);
  EXPECT_THAT(recorder.Take().uses, SizeIs(1));
}

TEST(UsageRecorder, ARecorderMadeWhereAnotherWasStartsAfresh) {
  std::optional<UsageRecorder> recorder;
  for (int i = 0; i < 3; ++i) {
    recorder.emplace();  // the same address each time
    recorder->NoteUse("alice", "ads", "", 100);
    EXPECT_THAT(recorder->Take().uses, SizeIs(1)) << "recorder " << i;
    recorder.reset();
  }
}

TEST(UsageRecorder, KeysDoNotRunIntoEachOther) {
  UsageRecorder recorder;
  recorder.NoteUse("ab", "c", "", 1);
  recorder.NoteUse("a", "bc", "", 1);
  recorder.NoteDenied("a", "", Reason::kNoConsent, 1);
  recorder.NoteDenied("", "a", Reason::kNoConsent, 1);
  recorder.NoteDenied("a", "", Reason::kNoConsent, -5);
  UsageRecorder::Noted noted = recorder.Take();
  EXPECT_THAT(noted.uses, SizeIs(2));
  EXPECT_THAT(noted.denied, UnorderedElementsAre(DeniedCountRow{1, "a", "", "no_consent", 1},
                                                 DeniedCountRow{1, "", "a", "no_consent", 1},
                                                 DeniedCountRow{-5, "a", "", "no_consent", 1}));
}

TEST(UsageRecorder, RoomIsBoundedAndWhatDidNotFitIsCounted) {
  UsageRecorder recorder(/*max_pending=*/160);  // 11 per shard
  for (int i = 0; i < 10'000; ++i) recorder.NoteUse("s" + std::to_string(i), "ads", "", 7);
  UsageRecorder::Noted noted = recorder.Take();
  EXPECT_LE(noted.uses.size(), 16u * 11u);
  EXPECT_EQ(noted.uses.size() + noted.dropped, 10'000u);
  EXPECT_EQ(recorder.Take().dropped, 0u);
}

}  // namespace
}  // namespace optin::internal
