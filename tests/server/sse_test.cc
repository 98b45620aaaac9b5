// The change feed (GET /v1/changes) at volume: a consumer that resumes
// with Last-Event-ID after 10,000 events misses none and sees none twice;
// a consumer that stops reading is let go after the request timeout, with
// the server's memory bounded, and resumes where it left off.
#include <gmock/gmock.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "optin/engine.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::Connect;
using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::ReadUntil;
using ::optin::testing::RunOptin;
using ::optin::testing::SendAll;
using ::optin::testing::ServerProcess;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

// 10,000 to resume after; enough bytes (~8 MB of events) that a consumer
// that stops reading fills the sockets' buffers and stalls the stream.
constexpr int kEvents = 30'000;

// A store with the shop catalog and kEvents grants after it (events 2 to
// kEvents + 1), written by threads so that group commit shares the fsyncs.
void MakeStore(const std::string& db) {
  auto engine = Engine::Open({.store = db, .mode = StoreOpenMode::kCreate});
  ASSERT_THAT(engine, IsOk());
  WriteContext ctx{.channel = "api", .actor = "test", .evidence = ""};
  const std::string shop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");
  ASSERT_THAT((*engine)->Publish(ParseCatalog(shop, "shop.yaml").value(), {}, ctx), IsOk());
  constexpr int kThreads = 16;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> ads = {"ads"};
      for (int i = t; i < kEvents; i += kThreads) {
        EXPECT_THAT((*engine)->Grant("subject-" + std::to_string(i), ads, ctx), IsOk());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ((*engine)->last_seq(), static_cast<uint64_t>(kEvents + 1));
}

// The ids of the events in `text`, in order.
std::vector<uint64_t> Ids(const std::string& text) {
  std::vector<uint64_t> ids;
  for (size_t at = text.find("\nid: "); at != std::string::npos; at = text.find("\nid: ", at + 1)) {
    ids.push_back(std::stoull(text.substr(at + 5, text.find('\n', at + 1) - at - 5)));
  }
  return ids;
}

class ChangeFeed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = new std::string(dir_->File("optin.db"));
    MakeStore(*db_);
    key_ = new std::string(RunOptin({"--db", *db_, "key", "create", "--scope", "write"}).out);
    key_->pop_back();
  }
  static void TearDownTestSuite() {
    delete key_;
    delete db_;
    delete dir_;
  }
  // `small_buffer`: a receive buffer of a few KiB, as a slow consumer has.
  static int Subscribe(int port, const std::string& last_event_id, bool small_buffer = false) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (small_buffer) {
      int size = 4096;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_TRUE(SendAll(fd, "GET /v1/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *key_ +
                                (last_event_id.empty() ? "" : "\r\nLast-Event-ID: " + last_event_id) + "\r\n\r\n"));
    return fd;
  }
  static TempDir* dir_;
  static std::string* db_;
  static std::string* key_;
};
TempDir* ChangeFeed::dir_ = nullptr;
std::string* ChangeFeed::db_ = nullptr;
std::string* ChangeFeed::key_ = nullptr;

TEST_F(ChangeFeed, AConsumerResumingAfterTenThousandEventsMissesNoneAndRepeatsNone) {
  ServerProcess server(*db_);
  ASSERT_GT(server.port(), 0) << server.Stderr();
  // It saw up to event 20,001, then went away for 10,000 events.
  const uint64_t seen = kEvents + 1 - 10'000;
  int fd = Subscribe(server.port(), std::to_string(seen));
  const std::string last = "\nid: " + std::to_string(kEvents + 1) + "\n";
  const std::string got = ReadUntil(fd, 30'000, [&](const std::string& s) { return s.find(last) != std::string::npos; });
  close(fd);
  EXPECT_THAT(got, HasSubstr("retry: 1000\n"));
  const std::vector<uint64_t> ids = Ids(got);
  ASSERT_EQ(ids.size(), 10'000u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], seen + 1 + i) << "event " << i;
  // And one that saw everything gets only what comes next.
  fd = Subscribe(server.port(), std::to_string(kEvents + 1));
  ASSERT_EQ(RunOptin({"--db", *db_, "withdraw", "subject-7", "ads"}).exit_code, 0);
  const std::string next = "\nid: " + std::to_string(kEvents + 2) + "\n";
  const std::string more = ReadUntil(fd, 10'000, [&](const std::string& s) { return s.find(next) != std::string::npos; });
  close(fd);
  EXPECT_EQ(Ids(more), std::vector<uint64_t>{kEvents + 2});
  EXPECT_THAT(more, HasSubstr("event: withdraw\ndata: {\"seq\":" + std::to_string(kEvents + 2) + ","));
}

TEST_F(ChangeFeed, AConsumerThatStopsReadingIsLetGoWithMemoryBoundedAndResumes) {
  ServerProcess server(*db_, {"--request-timeout", "2"});
  ASSERT_GT(server.port(), 0) << server.Stderr();
  [[maybe_unused]] const long before = server.ResidentKb();
  // The last event (the test above may have added one).
  const uint64_t tail = std::stoull(testing::JsonDoc(RunOptin({"--db", *db_, "verify", "--json"}).out).At("/events"));
  int fd = Subscribe(server.port(), "", /*small_buffer=*/true);
  // It reads nothing: the server writes what the socket takes, then waits
  // without buffering the rest, and gives up after the request timeout.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  [[maybe_unused]] const long stalled = server.ResidentKb();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const std::string got = ReadUntil(fd, 10'000);  // up to the close
  close(fd);
  const std::vector<uint64_t> ids = Ids(got);
  ASSERT_FALSE(ids.empty());
  EXPECT_LT(ids.back(), tail) << "the stalled stream was not let go";
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer keeps freed memory in quarantine
  EXPECT_LT(stalled - before, 4096) << "the server buffered for a consumer that does not read";
#endif
  // It resumes from the last event it received whole, and misses nothing.
  const uint64_t resume = ids.back();
  fd = Subscribe(server.port(), std::to_string(resume));
  const std::string last = "\nid: " + std::to_string(tail) + "\n";
  const std::string rest = ReadUntil(fd, 30'000, [&](const std::string& s) { return s.find(last) != std::string::npos; });
  close(fd);
  const std::vector<uint64_t> more = Ids(rest);
  ASSERT_FALSE(more.empty());
  EXPECT_EQ(more.front(), resume + 1);
  EXPECT_EQ(more.back(), tail);
  EXPECT_EQ(more.size(), tail - resume);
}

}  // namespace
}  // namespace optin
