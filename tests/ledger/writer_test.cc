// LedgerWriter (src/ledger/writer.h): group commit, apply before
// acknowledge, sealed subjects, replay.
#include "src/ledger/writer.h"

#include <gmock/gmock.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/test_support.h"

namespace optin::internal {
namespace {

using ::optin::testing::IsOk;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    secret_ = RandomKey();
  }

  std::unique_ptr<LedgerWriter> NewWriter() {
    return std::make_unique<LedgerWriter>(*store_, secret_, [this] { return ++now_; },
                                          [this](const Event& e, std::string_view subject, std::string_view) {
                                            std::lock_guard lock(mu_);
                                            applied_.push_back(e.seq);
                                            subjects_.emplace_back(subject);
                                            return OkStatus();
                                          });
  }

  static EventDraft Draft(std::string subject, std::string purpose, std::string evidence = "") {
    EventDraft d;
    d.action = Action::kGrant;
    d.subject = std::move(subject);
    d.purpose = std::move(purpose);
    d.channel = "api";
    d.evidence = std::move(evidence);
    return d;
  }

  bool Applied(uint64_t seq) {
    std::lock_guard lock(mu_);
    return std::find(applied_.begin(), applied_.end(), seq) != applied_.end();
  }

  std::unique_ptr<Store> store_ = NewMemoryStore();
  SecretKey secret_{};
  std::atomic<int64_t> now_{1'000'000};
  std::mutex mu_;
  std::vector<uint64_t> applied_;
  std::vector<std::string> subjects_;
};

TEST_F(WriterTest, ConcurrentWritersEachGetTheirEventsAppliedBeforeTheyReturn) {
  auto writer = NewWriter();
  constexpr int kThreads = 8, kEach = 50;
  std::atomic<int> not_applied_at_ack{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Result<std::vector<Event>> r = writer->Append({Draft("s" + std::to_string(t), "p" + std::to_string(i))});
        if (!r.ok() || r->size() != 1 || !Applied(r->front().seq)) ++not_applied_at_ack;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(not_applied_at_ack.load(), 0);
  EXPECT_EQ(writer->last_seq(), uint64_t{kThreads * kEach});
  // Applied once each, in sequence order, with no gap.
  std::lock_guard lock(mu_);
  ASSERT_EQ(applied_.size(), size_t{kThreads * kEach});
  for (size_t i = 0; i < applied_.size(); ++i) EXPECT_EQ(applied_[i], i + 1);
}

TEST_F(WriterTest, ADraftsBatchIsConsecutiveAndItsSubjectIsSealed) {
  auto writer = NewWriter();
  Result<std::vector<Event>> r =
      writer->Append({Draft("alice", "ads", "Mozilla/5.0"), Draft("alice", "recommendations")});
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].seq + 1, (*r)[1].seq);
  const Event& e = r->front();
  // The stored event names the subject by look-up key and sealed box only.
  EXPECT_EQ(e.subject_ref, writer->SubjectRef("alice"));
  EXPECT_NE(writer->SubjectRef("alice"), writer->SubjectRef("bob"));
  EXPECT_EQ(EncodeEvent(e).find("alice"), std::string::npos);
  EXPECT_EQ(EncodeEvent(e).find("Mozilla"), std::string::npos);
  Result<std::optional<std::string>> subject = writer->OpenSubject(e);
  ASSERT_THAT(subject, IsOk());
  EXPECT_EQ(subject->value_or(""), "alice");
  Result<std::optional<std::string>> evidence = writer->OpenEvidence(e);
  ASSERT_THAT(evidence, IsOk());
  EXPECT_EQ(evidence->value_or(""), "Mozilla/5.0");
  std::lock_guard lock(mu_);
  EXPECT_THAT(subjects_, ::testing::ElementsAre("alice", "alice"));  // the applier sees it in clear
}

TEST_F(WriterTest, ASecondWriterReplaysAndCatchesUpWithTheFirst) {
  auto first = NewWriter();
  ASSERT_THAT(first->Append({Draft("alice", "ads")}).status(), IsOk());
  auto second = NewWriter();
  ASSERT_THAT(second->Replay(), IsOk());
  EXPECT_EQ(second->last_seq(), 1u);
  ASSERT_THAT(first->Append({Draft("bob", "ads"), Draft("carol", "ads")}).status(), IsOk());
  EXPECT_EQ(second->last_seq(), 1u);  // not until it looks
  ASSERT_THAT(second->Sync(), IsOk());
  EXPECT_EQ(second->last_seq(), 3u);
  // The second writer's next event follows the first's.
  Result<std::vector<Event>> next = second->Append({Draft("dave", "ads")});
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->front().seq, 4u);
  std::lock_guard lock(mu_);
  // In time order: the first's 1, the second's replay of 1, the first's 2
  // and 3, the second's sync of them, the second's own 4.
  EXPECT_THAT(applied_, ::testing::ElementsAre(1, 1, 2, 3, 2, 3, 4));
}

}  // namespace
}  // namespace optin::internal
