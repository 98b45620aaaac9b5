// Several optin nodes on one PostgreSQL database (a real PostgreSQL 15 that
// the test starts): one ledger with one hash chain whoever writes, and a
// withdrawal on one node in effect on the others.
#include <gmock/gmock.h>

#include <set>
#include <thread>

#include "optin/engine.h"
#include "tests/support/http_client.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::PostgresServer;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::testing::HasSubstr;

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
          for (const Event& e : *events) EXPECT_TRUE(seqs.insert(e.seq).second) << "sequence " << e.seq << " twice";
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
  auto key = RunOptin({"--db", url_, "key", "create", "--scope", "admin", "--name", "ops"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string admin = key.out.substr(0, key.out.find('\n'));
  optin::testing::ServerProcess a(url_, {}), b(url_, {});
  ASSERT_GT(a.port(), 0) << a.Stderr();
  ASSERT_GT(b.port(), 0) << b.Stderr();
  auto check = [&](int port) {
    return optin::testing::Http(port, "POST", "/v1/check", R"({"subject":"bob","purpose":"ads"})", admin).body;
  };
  EXPECT_THAT(check(b.port()), HasSubstr(R"("allowed":true)"));
  ASSERT_EQ(optin::testing::Http(a.port(), "DELETE", "/v1/subjects/bob/consents/ads", "", admin).status, 200);
  EXPECT_THAT(check(a.port()), HasSubstr(R"("reason":"withdrawn")"));
  // Node B follows the ledger: the withdrawal reaches it within its sync interval.
  bool denied = false;
  for (int i = 0; i < 100 && !denied; ++i) {
    denied = check(b.port()).find(R"("reason":"withdrawn")") != std::string::npos;
    if (!denied) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(denied) << check(b.port());
  auto verify = RunOptin({"--db", url_, "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace optin
