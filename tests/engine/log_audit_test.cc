// Two library functions the CLI only prints: comparing two signed tree heads
// (`optin audit`) and copying a store (`optin store copy`).
#include <gmock/gmock.h>

#include "optin/engine.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

class LogAuditTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> OpenWithShop(const std::string& location) {
    auto store = OpenStore(location, StoreOpenMode::kCreate);
    EXPECT_THAT(store, IsOk());
    auto engine = Engine::Open(std::move(store).value(), {});
    EXPECT_THAT(engine, IsOk());
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml"), "shop.yaml");
    EXPECT_THAT(catalog, IsOk());
    EXPECT_THAT((*engine)->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    return std::move(engine).value();
  }

  void Grant(Engine& engine, const std::string& subject) {
    const std::string purposes[] = {"ads"};
    ASSERT_THAT(engine.Grant(subject, purposes, {.channel = "web"}), IsOk());
  }

  TempDir dir_;
};

TEST_F(LogAuditTest, TwoHeadsOfAGrowingLogAreConsistentInEitherOrder) {
  auto engine = OpenWithShop("memory:");
  auto first = engine->LogHead();
  ASSERT_THAT(first, IsOk());
  Grant(*engine, "alice");
  Grant(*engine, "bob");
  auto second = engine->LogHead();
  ASSERT_THAT(second, IsOk());
  for (auto [a, b] : {std::pair{*first, *second}, std::pair{*second, *first}}) {
    auto audit = engine->AuditHeads(a, b);
    ASSERT_THAT(audit, IsOk());
    EXPECT_TRUE(audit->consistent) << audit->problem;
    EXPECT_EQ(audit->from, first->tree_size);
    EXPECT_EQ(audit->to, second->tree_size);
  }
}

TEST_F(LogAuditTest, NamesTheHeadThatIsNotThisLogs) {
  auto engine = OpenWithShop("memory:");
  auto other = OpenWithShop("memory:");
  auto mine = engine->LogHead();
  auto theirs = other->LogHead();
  ASSERT_THAT(mine, IsOk());
  ASSERT_THAT(theirs, IsOk());
  auto audit = engine->AuditHeads(*mine, *theirs);
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->consistent);
  EXPECT_EQ(audit->bad_head, 1);
  EXPECT_THAT(audit->problem, HasSubstr("not one of this log's keys"));

  SignedTreeHead forged = *mine;
  forged.root_hash[0] ^= 1;
  audit = engine->AuditHeads(forged, *mine);
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->consistent);
  EXPECT_EQ(audit->bad_head, 0);
}

TEST_F(LogAuditTest, TwoHistoriesThatPartedDoNotExtendEachOtherButBothExtendTheHeadBefore) {
  // A copy of the store that went on differently: its heads are signed by
  // the same key (the copy took it) but tell another history.
  auto engine = OpenWithShop("sqlite:" + dir_.File("a.db"));
  Grant(*engine, "alice");
  auto kept = engine->LogHead();
  ASSERT_THAT(kept, IsOk());
  engine.reset();
  auto source = OpenStore("sqlite:" + dir_.File("a.db"), StoreOpenMode::kExisting);
  ASSERT_THAT(source, IsOk());
  ASSERT_THAT(CopyStore(**source, "sqlite:" + dir_.File("b.db")), IsOk());
  source->reset();
  auto a = Engine::Open(OpenStore("sqlite:" + dir_.File("a.db"), StoreOpenMode::kExisting).value(), {});
  auto b = Engine::Open(OpenStore("sqlite:" + dir_.File("b.db"), StoreOpenMode::kExisting).value(), {});
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  Grant(**a, "carol");
  Grant(**b, "dave");
  auto head_a = (*a)->LogHead();
  auto head_b = (*b)->LogHead();
  ASSERT_THAT(head_a, IsOk());
  ASSERT_THAT(head_b, IsOk());
  // The same size and key, other roots.
  auto audit = (*a)->AuditHeads(*head_a, *head_b);
  ASSERT_THAT(audit, IsOk());
  EXPECT_FALSE(audit->consistent);
  EXPECT_EQ(audit->bad_head, -1);
  EXPECT_THAT(audit->problem, HasSubstr("does not extend"));
  // The head kept before they parted is extended by both.
  EXPECT_TRUE((*a)->AuditHeads(*kept, *head_a)->consistent);
  EXPECT_TRUE((*b)->AuditHeads(*kept, *head_b)->consistent);
}

TEST_F(LogAuditTest, ACopyHoldsTheSameEventsAndNeverWritesOverAStore) {
  auto engine = OpenWithShop("sqlite:" + dir_.File("a.db"));
  Grant(*engine, "alice");
  ASSERT_THAT(engine->CreateApiKey(Scope::kCheck, "reader"), IsOk());
  const uint64_t events = engine->last_seq();
  engine.reset();
  auto source = OpenStore("sqlite:" + dir_.File("a.db"), StoreOpenMode::kExisting);
  ASSERT_THAT(source, IsOk());
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto copied = CopyStore(**source, "sqlite:" + dir_.File("b.db"),
                          [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  ASSERT_THAT(copied, IsOk());
  EXPECT_EQ(copied->events, events);
  EXPECT_EQ(copied->api_keys, 1u);
  EXPECT_THAT(copied->target, HasSubstr("b.db"));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::pair(events, events));
  EXPECT_THAT(CopyStore(**source, "sqlite:" + dir_.File("b.db")),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("never writes over a store")));

  auto copy = Engine::Open(OpenStore("sqlite:" + dir_.File("b.db"), StoreOpenMode::kExisting).value(), {});
  ASSERT_THAT(copy, IsOk());
  EXPECT_TRUE((*copy)->Decide("alice", "ads").allowed);
  EXPECT_EQ((*copy)->last_seq(), events);
}

}  // namespace
}  // namespace optin
