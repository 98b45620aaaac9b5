// Several optin nodes on one PostgreSQL database (a real PostgreSQL 15 that
// the test starts): one ledger with one hash chain whoever writes, and a
// withdrawal on one node in effect on the others.
#include <gmock/gmock.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "optin/engine.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::PostgresServer;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::testing::HasSubstr;

// The value at `pointer` in a JSON answer, as compact JSON.
std::string Field(const std::string& json, std::string_view pointer) {
  return optin::testing::JsonDoc(json).At(pointer);
}

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

class PostgresNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.error(), "");
    url_ = server_.NewDatabase("nodes");
    auto first = Engine::Open({.store = url_, .mode = StoreOpenMode::kCreate, .clock = {}});
    ASSERT_THAT(first, IsOk());
    nodes_.push_back(std::move(*first));
    ASSERT_THAT(nodes_[0]->Publish(ParseCatalog(kShop, "shop.yaml").value(), {}, ctx_), IsOk());
    for (int i = 1; i < 3; ++i) {
      auto node = Engine::Open({.store = url_, .mode = StoreOpenMode::kExisting, .clock = {}});
      ASSERT_THAT(node, IsOk());
      nodes_.push_back(std::move(*node));
    }
  }

  // A new admin key on the store.
  std::string AdminKey() {
    auto key = RunOptin({"--db", url_, "key", "create", "--scope", "admin", "--name", "ops"});
    return key.out.substr(0, key.out.find('\n'));
  }
  // The notice version of `ads` a server shows (what a grant must name).
  static std::string AdsNotice(int port) {
    optin::testing::JsonDoc purposes(optin::testing::Http(port, "GET", "/v1/purposes").body);
    EXPECT_EQ(purposes.Str("/purposes/1/id"), "ads");
    return purposes.Str("/purposes/1/notice");
  }
  static optin::testing::HttpResult GrantAds(int port, const std::string& subject, const std::string& notice,
                                             const std::string& key) {
    return optin::testing::Http(port, "PUT", "/v1/subjects/" + subject + "/consents/ads",
                                R"({"notice":")" + notice + R"("})", key);
  }

  PostgresServer server_;
  std::string url_;
  std::vector<std::unique_ptr<Engine>> nodes_;
  WriteContext ctx_{.channel = "api", .actor = "test", .evidence = ""};
};

TEST_F(PostgresNodes, AWithdrawalOnOneNodeIsInEffectOnTheOthers) {
  ASSERT_THAT(nodes_[0]->Grant("alice", std::vector<std::string>{"ads"}, ctx_), IsOk());
  ASSERT_THAT(nodes_[1]->Sync(), IsOk());
  EXPECT_TRUE(nodes_[1]->Decide("alice", "ads").allowed);
  ASSERT_THAT(nodes_[1]->Withdraw("alice", std::vector<std::string>{"ads"}, ctx_), IsOk());
  EXPECT_FALSE(nodes_[1]->Decide("alice", "ads").allowed);  // in effect on the writing node at once
  for (int i : {0, 2}) {
    ASSERT_THAT(nodes_[i]->Sync(), IsOk());
    EXPECT_EQ(nodes_[i]->Decide("alice", "ads").reason, Reason::kWithdrawn) << "node " << i;
  }
}

TEST_F(PostgresNodes, YesAndNoFromTwoNodesAtOnceEndWithTheLastAcknowledged) {
  // Threads on two nodes say yes and no to one consent of one subject: the
  // ledger orders them, every node ends with the decision of the last one,
  // and the chain holds.
  constexpr int kThreadsPerNode = 4, kEach = 25;
  std::mutex mu;
  uint64_t last_seq = 0;
  bool last_was_grant = false;
  std::vector<std::thread> threads;
  for (int node = 0; node < 2; ++node) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, node, t] {
        std::vector<std::string> ads = {"ads"};
        for (int i = 0; i < kEach; ++i) {
          const bool grant = (node + t + i) % 2 == 0;
          auto r = grant ? nodes_[node]->Grant("alice", ads, ctx_) : nodes_[node]->Withdraw("alice", ads, ctx_);
          ASSERT_THAT(r, IsOk());
          std::lock_guard lock(mu);
          if (r->front().seq > last_seq) {
            last_seq = r->front().seq;
            last_was_grant = grant;
          }
        }
      });
    }
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(last_seq, 1u + 2 * kThreadsPerNode * kEach);
  for (auto& node : nodes_) {
    ASSERT_THAT(node->Sync(), IsOk());
    const Decision d = node->Decide("alice", "ads");
    EXPECT_EQ(d.event, last_seq);
    EXPECT_EQ(d.reason, last_was_grant ? Reason::kGranted : Reason::kWithdrawn);
  }
  auto store = OpenStore(url_, StoreOpenMode::kExisting);
  ASSERT_THAT(store, IsOk());
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->events, last_seq);
}

TEST_F(PostgresNodes, ANodeThatMissedEveryNotificationStillCatchesUp) {
  // Node 1 has never listened: the notifications of these commits are gone
  // before it starts to. Following still takes the events in, by sequence number.
  for (const char* s : {"dan", "eve", "fay"}) ASSERT_THAT(nodes_[0]->Grant(s, std::vector<std::string>{"ads"}, ctx_), IsOk());
  ASSERT_THAT(nodes_[0]->Withdraw("eve", std::vector<std::string>{"ads"}, ctx_), IsOk());
  EXPECT_FALSE(nodes_[1]->Decide("dan", "ads").allowed);
  ASSERT_THAT(nodes_[1]->Follow(20), IsOk());
  EXPECT_TRUE(nodes_[1]->Decide("dan", "ads").allowed);
  EXPECT_EQ(nodes_[1]->Decide("eve", "ads").reason, Reason::kWithdrawn);
  EXPECT_TRUE(nodes_[1]->Decide("fay", "ads").allowed);
  EXPECT_EQ(nodes_[1]->last_seq(), nodes_[0]->last_seq());
  // Now listening: the next commit wakes it without waiting out the timeout.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_THAT(nodes_[0]->Withdraw("dan", std::vector<std::string>{"ads"}, ctx_), IsOk());
  });
  const auto start = std::chrono::steady_clock::now();
  ASSERT_THAT(nodes_[1]->Follow(10'000), IsOk());
  const auto waited = std::chrono::steady_clock::now() - start;
  later.join();
  // Woken by the notification, not by the 10 s timeout (a functional bound, not a speed test).
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(nodes_[1]->Decide("dan", "ads").reason, Reason::kWithdrawn);
}

TEST_F(PostgresNodes, ConcurrentWritersOnEveryNodeMakeOneChain) {
  constexpr int kThreadsPerNode = 2, kEach = 25;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, n, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::string subject = "s" + std::to_string(n) + "-" + std::to_string(t) + "-" + std::to_string(i);
          auto events = nodes_[n]->Grant(subject, std::vector<std::string>{"ads"}, ctx_);
          ASSERT_THAT(events, IsOk());
          std::lock_guard lock(mu);
          for (const Recorded& e : *events) EXPECT_TRUE(seqs.insert(e.seq).second) << "sequence " << e.seq << " twice";
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  const size_t total = nodes_.size() * kThreadsPerNode * kEach;
  EXPECT_EQ(seqs.size(), total);
  EXPECT_EQ(*seqs.begin(), 2u);
  EXPECT_EQ(*seqs.rbegin(), total + 1);
  auto store = OpenStore(url_, StoreOpenMode::kExisting);
  ASSERT_THAT(store, IsOk());
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->events, total + 1);
  // Every node sees every grant once it has caught up.
  for (auto& node : nodes_) {
    ASSERT_THAT(node->Sync(), IsOk());
    EXPECT_TRUE(node->Decide("s2-1-24", "ads").allowed);
  }
}

TEST_F(PostgresNodes, TwoServersOnePostgresqlDatabase) {
  nodes_.clear();
  ASSERT_EQ(RunOptin({"--db", url_, "grant", "bob", "ads"}).exit_code, 0);
  const std::string admin = AdminKey();
  ASSERT_EQ(admin.rfind("optin_", 0), 0u) << admin;
  optin::testing::ServerProcess a(url_, {}), b(url_, {});
  ASSERT_GT(a.port(), 0) << a.Stderr();
  ASSERT_GT(b.port(), 0) << b.Stderr();
  auto check = [&](int port) {
    return optin::testing::Http(port, "POST", "/v1/check", R"({"subject":"bob","purpose":"ads"})", admin).body;
  };
  EXPECT_EQ(Field(check(b.port()), "/allowed"), "true");
  ASSERT_EQ(optin::testing::Http(a.port(), "DELETE", "/v1/subjects/bob/consents/ads", "", admin).status, 200);
  EXPECT_EQ(Field(check(a.port()), "/reason"), "\"withdrawn\"");
  // Node B follows the ledger: the withdrawal reaches it within its sync interval.
  bool denied = false;
  for (int i = 0; i < 100 && !denied; ++i) {
    denied = Field(check(b.port()), "/reason") == "\"withdrawn\"";
    if (!denied) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(denied) << check(b.port());
  auto verify = RunOptin({"--db", url_, "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(PostgresNodes, ANodeSurvivesAPostgresqlRestartAndSaysWhenItIsBehind) {
  nodes_.clear();
  ASSERT_EQ(RunOptin({"--db", url_, "grant", "carol", "ads"}).exit_code, 0);
  const std::string admin = AdminKey();
  optin::testing::ServerProcess node(url_, {"--max-staleness", "1"});
  ASSERT_GT(node.port(), 0) << node.Stderr();
  auto check = [&] {
    return optin::testing::Http(node.port(), "POST", "/v1/check", R"({"subject":"carol","purpose":"ads"})", admin).body;
  };
  EXPECT_EQ(Field(check(), "/allowed"), "true");
  EXPECT_EQ(optin::testing::Http(node.port(), "GET", "/healthz").status, 200);
  auto head = optin::testing::Http(node.port(), "GET", "/v1/log/head");
  ASSERT_EQ(head.status, 200) << head.body;

  ASSERT_TRUE(server_.Stop()) << server_.error();
  // Monitors polling the head still get the last one (older, as valid).
  auto head_while_down = optin::testing::Http(node.port(), "GET", "/v1/log/head");
  EXPECT_EQ(head_while_down.status, 200) << head_while_down.body;
  EXPECT_EQ(head_while_down.body, head.body);
  // Writes fail and are not acknowledged; reads go on from the index until
  // the node is staler than --max-staleness, then every consent purpose is denied.
  EXPECT_EQ(optin::testing::Http(node.port(), "DELETE", "/v1/subjects/carol/consents/ads", "", admin).status, 503);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Field(check(), "/allowed"), "false");
  EXPECT_EQ(Field(check(), "/reason"), "\"stale\"");
  optin::testing::HttpResult health = optin::testing::Http(node.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(Field(health.body, "/status"), "\"unhealthy\"");
  EXPECT_THAT(optin::testing::Http(node.port(), "GET", "/metrics").body, HasSubstr("optin_store_lag_seconds "));

  ASSERT_TRUE(server_.Start()) << server_.error();
  // The node reconnects and catches up by itself.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = optin::testing::Http(node.port(), "GET", "/healthz").status == 200;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(Field(check(), "/allowed"), "true");
  EXPECT_EQ(optin::testing::Http(node.port(), "DELETE", "/v1/subjects/carol/consents/ads", "", admin).status, 200);
  EXPECT_EQ(Field(check(), "/reason"), "\"withdrawn\"");
  EXPECT_EQ(RunOptin({"--db", url_, "verify"}).exit_code, 0);
}

TEST_F(PostgresNodes, ANodeAnswersFromMemoryBeforeItsFirstRequestToo) {
  nodes_.clear();
  ASSERT_EQ(RunOptin({"--db", url_, "grant", "carol", "ads"}).exit_code, 0);
  auto key = RunOptin({"--db", url_, "key", "create", "--scope", "check", "--name", "reader"});
  const std::string reader = key.out.substr(0, key.out.find('\n'));
  optin::testing::ServerProcess node(url_, {});
  ASSERT_GT(node.port(), 0) << node.Stderr();
  // The database goes away before anyone asked this node anything.
  ASSERT_TRUE(server_.Stop()) << server_.error();
  auto check = optin::testing::Http(node.port(), "POST", "/v1/check", R"({"subject":"carol","purpose":"ads"})", reader);
  EXPECT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(Field(check.body, "/allowed"), "true");
  // A blip is not yet a reason to leave the load balancer; the error shows.
  optin::testing::HttpResult health;
  for (int i = 0; i < 40 && !optin::testing::JsonDoc(health.body).Has("/error"); ++i) {
    health = optin::testing::Http(node.port(), "GET", "/healthz");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(optin::testing::JsonDoc(health.body).Str("/error"), ::testing::Not(::testing::IsEmpty()));
  ASSERT_TRUE(server_.Start()) << server_.error();
}

TEST_F(PostgresNodes, WritesDuringAPostgresqlRestartAreEitherAcknowledgedAndKeptOrRefused) {
  nodes_.clear();
  const std::string admin = AdminKey();
  optin::testing::ServerProcess node(url_, {});
  ASSERT_GT(node.port(), 0) << node.Stderr();
  const std::string notice = AdsNotice(node.port());
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::string> acknowledged;
  // A write whose COMMIT the shutdown cut off is held until the database
  // can say whether it was recorded: it meets the outage as well.
  constexpr auto kDown = std::chrono::milliseconds(300);
  std::atomic<bool> held{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const std::string subject = "r" + std::to_string(i);
      const auto start = std::chrono::steady_clock::now();
      auto g = GrantAds(node.port(), subject, notice, admin);
      if (g.status == 200) {
        if (std::chrono::steady_clock::now() - start >= kDown) held = true;
        acknowledged.push_back(subject);
      } else {
        ++refused;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(server_.Stop()) << server_.error();
  std::this_thread::sleep_for(kDown);
  ASSERT_TRUE(server_.Start()) << server_.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  stop = true;
  writer.join();
  EXPECT_TRUE(refused.load() > 0 || held) << "some writes met the database down: refused, or held until it was back";
  ASSERT_GT(acknowledged.size(), 0u);
  EXPECT_EQ(RunOptin({"--db", url_, "verify"}).exit_code, 0);
  auto engine = Engine::Open({.store = url_, .mode = StoreOpenMode::kExisting, .clock = {}});
  ASSERT_THAT(engine, IsOk());
  for (const std::string& s : acknowledged) EXPECT_TRUE((*engine)->Decide(s, "ads").allowed) << s;
  // Writes after the restart went through on reconnected connections.
  EXPECT_TRUE((*engine)->Decide(acknowledged.back(), "ads").allowed);
}

TEST_F(PostgresNodes, AfterARestartEveryWriteIsAnsweredForWhatItDid) {
  // Pooled connections the restart closed look fine until used: a write
  // must not be recorded yet answered 503 (a retry would record it twice).
  nodes_.clear();
  const std::string admin = AdminKey();
  optin::testing::ServerProcess node(url_, {});
  ASSERT_GT(node.port(), 0) << node.Stderr();
  const std::string notice = AdsNotice(node.port());
  auto grant = [&](const std::string& subject) { return GrantAds(node.port(), subject, notice, admin); };
  // Several connections in the pool, all idle.
  std::vector<std::thread> warm;
  for (int i = 0; i < 6; ++i) warm.emplace_back([&, i] { EXPECT_EQ(grant("warm" + std::to_string(i)).status, 200); });
  for (auto& t : warm) t.join();
  ASSERT_TRUE(server_.Stop()) << server_.error();
  ASSERT_TRUE(server_.Start()) << server_.error();
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = optin::testing::Http(node.port(), "GET", "/healthz").status == 200;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(back);
  // Writes at once, so that they lease every pooled connection.
  std::vector<optin::testing::HttpResult> answers(6);
  std::vector<std::thread> after;
  for (int i = 0; i < 6; ++i) after.emplace_back([&, i] { answers[i] = grant("after" + std::to_string(i)); });
  for (auto& t : after) t.join();
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(answers[i].status, 200) << answers[i].body;
    EXPECT_TRUE(optin::testing::JsonDoc(answers[i].body).Has("/receipt/receipt")) << answers[i].body;
    auto history = optin::testing::Http(node.port(), "GET", "/v1/subjects/after" + std::to_string(i) + "/history", "", admin);
    EXPECT_EQ(std::count(history.body.begin(), history.body.end(), '{') - 1, 1) << history.body;  // one event
  }
  EXPECT_EQ(RunOptin({"--db", url_, "verify"}).exit_code, 0);
}

TEST_F(PostgresNodes, ANodeKilledMidWriteLosesNoAcknowledgedEvent) {
  nodes_.clear();
  const std::string admin = AdminKey();
  auto node = std::make_unique<optin::testing::ServerProcess>(url_, std::vector<std::string>{});
  ASSERT_GT(node->port(), 0) << node->Stderr();
  const int port = node->port();
  const std::string notice = AdsNotice(port);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const std::string subject = "k" + std::to_string(i);
      auto g = GrantAds(port, subject, notice, admin);
      if (g.status != 200) break;
      std::lock_guard lock(mu);
      acknowledged.push_back(subject);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  kill(node->pid(), SIGKILL);
  stop = true;
  writer.join();
  node.reset();
  ASSERT_FALSE(acknowledged.empty());
  auto verify = RunOptin({"--db", url_, "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto engine = Engine::Open({.store = url_, .mode = StoreOpenMode::kExisting, .clock = {}});
  ASSERT_THAT(engine, IsOk());
  for (const std::string& s : acknowledged) EXPECT_TRUE((*engine)->Decide(s, "ads").allowed) << s;
}

TEST_F(PostgresNodes, StoreCopyMovesAnSqliteStoreToPostgresql) {
  nodes_.clear();
  optin::testing::TempDir dir;
  const std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init", "--demo"}).exit_code, 0);
  for (const char* s : {"ann", "ben", "cat"}) ASSERT_EQ(RunOptin({"--db", db, "grant", s, "ad_targeting"}).exit_code, 0);
  ASSERT_EQ(RunOptin({"--db", db, "withdraw", "ben", "ad_targeting"}).exit_code, 0);
  ASSERT_EQ(RunOptin({"--db", db, "erase", "cat"}).exit_code, 0);
  ASSERT_EQ(RunOptin({"--db", db, "log", "head"}).exit_code, 0);
  const std::string to = server_.NewDatabase("copied");
  auto r = RunOptin({"store", "copy", "--from", "sqlite:" + db, "--to", to});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("copied 6 events, 0 API keys and 1 log keys from sqlite:" + db));
  EXPECT_THAT(r.out, HasSubstr(" matches\n"));
  EXPECT_EQ(RunOptin({"--db", to, "check", "ann", "ad_targeting"}).out, "allow granted\n");
  EXPECT_EQ(RunOptin({"--db", to, "check", "ben", "ad_targeting"}).out, "deny withdrawn\n");
  EXPECT_EQ(RunOptin({"--db", to, "check", "cat", "ad_targeting"}).out, "deny no_consent\n");
  EXPECT_THAT(RunOptin({"--db", to, "verify"}).out, HasSubstr("log root matches the latest signed tree head (6 events)"));
  EXPECT_EQ(RunOptin({"--db", to, "log", "key", "--pem"}).out, RunOptin({"--db", db, "log", "key", "--pem"}).out);
  EXPECT_THAT(RunOptin({"--db", to, "migrate"}).out, HasSubstr("is at the current store schema (version 5)"));
  // Never over an existing store.
  r = RunOptin({"store", "copy", "--from", "sqlite:" + db, "--to", to});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("exists already; store copy never writes over a store"));
}

}  // namespace
}  // namespace optin
