#include "src/index/index.h"

#include <gmock/gmock.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "tests/support/test_support.h"

// Counts heap allocations made by this thread while counting is on.
namespace {
thread_local bool counting = false;
thread_local size_t allocations = 0;
}  // namespace

void* operator new(size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace optin::internal {
namespace {

using ::optin::testing::ReadFile;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = ParseCatalogFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml").value();
    index_.ApplyPublish(catalog_, {}, ++seq_);
  }
  void Apply(const std::string& subject, Action action, const std::string& purpose) {
    Event e;
    e.seq = ++seq_;
    e.time = 1'700'000'000 * kMicrosPerSecond;
    e.action = action;
    e.purpose = purpose;
    const Purpose* p = catalog_.FindPurpose(purpose);
    e.notice = p ? p->notice_version : "";
    index_.ApplySubjectEvent(subject, e);
  }

  Catalog catalog_;
  Index index_;
  uint64_t seq_ = 0;
};

TEST_F(IndexTest, DecideAllocatesNothing) {
  for (int i = 0; i < 1000; ++i) Apply("subject-with-a-long-identifier-" + std::to_string(i), Action::kGrant, "ads");
  const std::string long_id = "subject-with-a-long-identifier-500";
  const int64_t now = 1'700'000'100 * kMicrosPerSecond;
  counting = true;
  size_t allowed = 0;
  for (int i = 0; i < 10'000; ++i) {
    allowed += index_.Decide(long_id, "ads", now).allowed;
    allowed += index_.Decide("unknown-subject-with-a-long-identifier", "recommendations", now).allowed;
    allowed += index_.Decide(long_id, "no-such-purpose", now).allowed;
  }
  counting = false;
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(allowed, 10'000u);
}

TEST_F(IndexTest, LatestEventPerPurposeWins) {
  const int64_t now = 1'700'000'100 * kMicrosPerSecond;
  Apply("alice", Action::kGrant, "ads");
  Apply("alice", Action::kGrant, "recommendations");
  Apply("alice", Action::kWithdraw, "ads");
  EXPECT_EQ(index_.Decide("alice", "ads", now), (Decision{false, Reason::kWithdrawn, 4}));
  EXPECT_EQ(index_.Decide("alice", "recommendations", now), (Decision{true, Reason::kGranted, 3}));
  Apply("alice", Action::kGrant, "ads");
  EXPECT_EQ(index_.Decide("alice", "ads", now), (Decision{true, Reason::kGranted, 5}));
  EXPECT_EQ(index_.subject_count(), 1u);
}

TEST_F(IndexTest, AGrantOfAnOutdatedNoticeNeverCounts) {
  Event e;
  e.seq = ++seq_;
  e.action = Action::kGrant;
  e.purpose = "ads";
  e.notice = std::string(64, '0');  // not the version in force
  index_.ApplySubjectEvent("alice", e);
  EXPECT_EQ(index_.Decide("alice", "ads", 0).reason, Reason::kNoticeChanged);
}

TEST_F(IndexTest, ReadersSeeEveryWriteThatFinishedBeforeThemWhileWritesGoOn) {
  std::atomic<int> done{-1};  // the highest subject whose grant was applied
  std::atomic<bool> stop{false};
  std::atomic<long> checks{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        int upto = done.load();
        for (int i = std::max(0, upto - 20); i <= upto; ++i) {
          ASSERT_TRUE(index_.Decide("s" + std::to_string(i), "ads", 0).allowed) << i;
          ++checks;
        }
      }
    });
  }
  for (int i = 0; i < 20'000; ++i) {
    Apply("s" + std::to_string(i), Action::kGrant, "ads");
    done = i;
    if (i % 2000 == 0) {
      // Let the readers run on a busy machine too (bounded wait).
      long seen = checks.load();
      for (int spin = 0; spin < 1'000'000 && checks.load() == seen; ++spin) std::this_thread::yield();
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(index_.subject_count(), 20'000u);
}

TEST(IndexManyPurposes, FindsEntriesBelowAndAbove64Purposes) {
  std::string yaml =
      "organization: {name: x}\nlocales: [en]\ndata_categories:\n  d: {title: {en: d}, description: {en: d}}\npurposes:\n";
  for (int p = 0; p < 70; ++p) {
    yaml += "  p" + std::to_string(p) +
            ": {basis: consent, title: {en: t}, description: {en: d}, benefit: {en: b}, data: [d], retention: P1Y}\n";
  }
  Catalog c = ParseCatalog(yaml, "many.yaml").value();
  Index index;
  index.ApplyPublish(c, {}, 1);
  uint64_t seq = 1;
  // Out of order, across the 64-purpose boundary, with overwrites.
  for (int p : {65, 3, 69, 0, 63, 64, 3, 66, 65}) {
    Event e;
    e.seq = ++seq;
    e.action = p % 2 ? Action::kGrant : Action::kWithdraw;
    e.purpose = "p" + std::to_string(p);
    e.notice = c.purposes[static_cast<size_t>(p)].notice_version;
    index.ApplySubjectEvent("alice", e);
  }
  auto d = [&](int p) { return index.Decide("alice", "p" + std::to_string(p), 0); };
  EXPECT_EQ(d(65), (Decision{true, Reason::kGranted, 10}));
  EXPECT_EQ(d(3), (Decision{true, Reason::kGranted, 8}));
  EXPECT_EQ(d(69), (Decision{true, Reason::kGranted, 4}));
  EXPECT_EQ(d(0), (Decision{false, Reason::kWithdrawn, 5}));
  EXPECT_EQ(d(63), (Decision{true, Reason::kGranted, 6}));
  EXPECT_EQ(d(64), (Decision{false, Reason::kWithdrawn, 7}));
  EXPECT_EQ(d(66), (Decision{false, Reason::kWithdrawn, 9}));
  for (int p : {1, 2, 62, 67, 68}) EXPECT_EQ(d(p).reason, Reason::kNoConsent) << p;
}

}  // namespace
}  // namespace optin::internal
