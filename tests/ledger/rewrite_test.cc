// Someone with write access to the store changes an event and recomputes
// every hash after it, so that the chain is consistent again. Only a signed
// tree head covering the event can tell; `optin verify` must catch it
// through the head, and say what it cannot prove where no head covers.
#include <gmock/gmock.h>
#include <sqlite3.h>

#include <cstring>
#include <functional>

#include "optin/ledger.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::RunOptin;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";

// Runs `sql` on the store; returns the first column of the first row.
std::string Query(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  std::string out;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW && sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(h);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

// Changes event `seq` with `edit`, re-encodes it (so that it stays a
// well-formed event, stored as a BLOB like any other) and recomputes the
// hash of every event from it on.
void RewriteChain(const std::string& db, uint64_t seq, const std::function<void(Event&)>& edit) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  struct Row {
    int64_t seq;
    std::string body;
  };
  std::vector<Row> rows;
  EventHash prev{};
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT seq, body, hash FROM events ORDER BY seq", -1, &s, nullptr), SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW) {
    const int64_t n = sqlite3_column_int64(s, 0);
    std::string body(static_cast<const char*>(sqlite3_column_blob(s, 1)), sqlite3_column_bytes(s, 1));
    if (static_cast<uint64_t>(n) < seq) {
      std::memcpy(prev.data(), sqlite3_column_blob(s, 2), prev.size());
      continue;
    }
    rows.push_back({n, std::move(body)});
  }
  sqlite3_finalize(s);
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(sqlite3_prepare_v2(h, "UPDATE events SET body = ?1, hash = ?2 WHERE seq = ?3", -1, &s, nullptr), SQLITE_OK);
  for (Row& row : rows) {
    if (static_cast<uint64_t>(row.seq) == seq) {
      Result<Event> e = DecodeEvent(row.body);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      edit(*e);
      row.body = EncodeEvent(*e);
      ASSERT_TRUE(DecodeEvent(row.body).ok());
    }
    prev = ChainHash(prev, row.body);
    sqlite3_reset(s);
    sqlite3_bind_blob(s, 1, row.body.data(), static_cast<int>(row.body.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, prev.data(), static_cast<int>(prev.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, row.seq);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE) << sqlite3_errmsg(h);
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
}

void TurnIntoWithdrawal(Event& e) {
  ASSERT_EQ(e.action, Action::kGrant);
  e.action = Action::kWithdraw;
}

class RewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Run({"init"}).exit_code, 0);
    ASSERT_EQ(Run({"catalog", "publish", kShopPath}).exit_code, 0);
    for (const char* s : {"alice", "bob", "carol", "dave"}) ASSERT_EQ(Run({"grant", s, "ads"}).exit_code, 0);
  }
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunOptin(args);
  }

  TempDir dir_;
  std::string db_ = dir_.File("optin.db");
};

TEST_F(RewriteTest, EveryCommandLeavesASignedHeadCoveringWhatItAppended) {
  // One head per commit: the publication and each grant (events 1..5).
  EXPECT_EQ(Query(db_, "SELECT count(*) || ' ' || max(tree_size) FROM tree_heads"), "5 5");
  ASSERT_EQ(Run({"withdraw", "alice", "--all"}).exit_code, 0);
  ASSERT_EQ(Run({"erase", "bob"}).exit_code, 0);
  EXPECT_EQ(Query(db_, "SELECT max(tree_size) FROM tree_heads"), Query(db_, "SELECT max(seq) FROM events"));
  auto r = Run({"verify", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(testing::JsonDoc(r.out).At("/events"), "8");
  EXPECT_EQ(testing::JsonDoc(r.out).At("/signed_tree_size"), "8");
}

TEST_F(RewriteTest, AWellFormedRewriteIsCaughtThroughTheHead) {
  RewriteChain(db_, 3, TurnIntoWithdrawal);
  // The chain alone is consistent again...
  EXPECT_EQ(Query(db_, "SELECT typeof(body) FROM events WHERE seq = 3"), "blob");
  // ...but the heads kept with each commit name the rewritten event.
  auto r = Run({"verify"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out,
            "ledger tampered: event 3 was rewritten (its hashes recomputed): the signed tree head of size 3 does not "
            "match the root of the first 3 events, while the one of size 2 does\n");
  r = Run({"verify", "--json"});
  EXPECT_EQ(testing::JsonDoc(r.out).At("/intact"), "false");
  EXPECT_EQ(testing::JsonDoc(r.out).At("/first_bad_seq"), "3");
  // Nothing answers from such a store.
  r = Run({"check", "bob", "ads"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("the log does not verify"));
}

TEST_F(RewriteTest, WithoutAHeadVerifySaysWhatItCannotProve) {
  ASSERT_EQ(Run({"log", "head"}).exit_code, 0);
  const std::string kept = dir_.Write("head.json", Run({"log", "head"}).out);
  // The rewriter removes every head the store kept.
  RewriteChain(db_, 3, TurnIntoWithdrawal);
  Query(db_, "DELETE FROM tree_heads");
  auto r = Run({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("hash chain consistent: 5 events"));
  EXPECT_THAT(r.out, HasSubstr("no signed tree head: a rewritten ledger (its hashes recomputed) cannot be detected"));
  EXPECT_THAT(r.out, Not(HasSubstr("intact")));
  // A head kept elsewhere still tells.
  r = Run({"verify", "--head", kept});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out, "ledger tampered: the tree head you gave (size 5): it does not match the root of the first 5 "
                   "events: events were changed since\n");
}

TEST_F(RewriteTest, AHeadKeptElsewhereCatchesHeadsResignedWithTheStoresKey) {
  const std::string kept = dir_.Write("head.json", Run({"log", "head"}).out);
  RewriteChain(db_, 2, TurnIntoWithdrawal);
  Query(db_, "DELETE FROM tree_heads");
  ASSERT_EQ(Run({"log", "head"}).exit_code, 0);  // signed again with the key in the store
  auto r = Run({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("log root matches the latest signed tree head (5 events)"));
  EXPECT_THAT(r.out, HasSubstr("check a head kept elsewhere with --head FILE"));
  r = Run({"verify", "--head", kept});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("the tree head you gave (size 5): it does not match"));
}

TEST_F(RewriteTest, AnUnsignedTailIsNamed) {
  // A store whose last events were appended before heads were kept with
  // every commit (or whose newest heads were removed).
  Query(db_, "DELETE FROM tree_heads WHERE tree_size > 3");
  auto r = Run({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("log root matches the latest signed tree head (3 events)\n"
                               "no signed tree head since event 3: a rewritten tail (events 4-5) cannot be detected"));
  const std::string kept = dir_.Write("head.json", Run({"log", "head"}).out);
  r = Run({"verify", "--head", kept});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("matches the 1 tree head you gave (up to 5 events)"));
}

}  // namespace
}  // namespace optin
