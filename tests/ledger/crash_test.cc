// A writer killed with SIGKILL at random moments loses no acknowledged event
// and leaves a ledger that verifies.
#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <random>
#include <sstream>

#include "optin/engine.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::TempDir;

TEST(CrashTest, EveryAcknowledgedGrantSurvivesSigkill) {
  TempDir dir;
  std::string db = dir.File("optin.db");
  {
    auto e = Engine::Open({.store = db, .mode = StoreOpenMode::kCreate, .clock = {}});
    ASSERT_THAT(e, IsOk());
    auto c = ParseCatalogFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");
    ASSERT_THAT((*e)->Publish(*c, {}, {.channel = "cli", .actor = "", .evidence = ""}), IsOk());
  }
  std::mt19937 rng(20261129);  // fixed seed: the same schedule on every run
  std::vector<std::pair<std::string, std::string>> acked;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    std::string out = dir.File("acks-" + std::to_string(round));
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      FILE* f = freopen(out.c_str(), "w", stdout);
      if (!f) _exit(4);
      execl(CRASH_WRITER, CRASH_WRITER, db.c_str(), "4", static_cast<char*>(nullptr));
      _exit(5);
    }
    usleep(std::uniform_int_distribution<useconds_t>(50'000, 400'000)(rng));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << ReadFile(out);
    // Only whole lines were acknowledged.
    std::istringstream lines(ReadFile(out));
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof()) break;  // a line cut by the kill
      auto space = line.find(' ');
      acked.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
  }
  ASSERT_GT(acked.size(), 50u) << "the writer should have acknowledged grants before being killed";
  std::cout << acked.size() << " acknowledged grants checked\n";

  auto store = OpenStore(db, StoreOpenMode::kExisting);
  ASSERT_THAT(store, IsOk());
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  store->reset();

  auto engine = Engine::Open({.store = db, .mode = StoreOpenMode::kExisting, .clock = {}});
  ASSERT_THAT(engine, IsOk());
  for (const auto& [subject, purpose] : acked) {
    EXPECT_TRUE((*engine)->Decide(subject, purpose).allowed) << subject << " " << purpose << " was acknowledged";
  }
  EXPECT_GE((*engine)->last_seq(), acked.size() + 1);
}

}  // namespace
}  // namespace optin
