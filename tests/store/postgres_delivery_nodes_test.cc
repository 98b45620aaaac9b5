// Two `optin serve` nodes on one PostgreSQL database send webhooks to one
// recipient (a plain HTTP listener on 127.0.0.1 in this test): every
// delivery arrives, and each exactly once, whichever node claims it.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::PostgresServer;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::optin::testing::TempDir;

// Answers every POST with 204 and counts the webhook ids it was sent.
class Recipient {
 public:
  Recipient() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 64) != 0) return;
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Recipient() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::map<std::string, int> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void Serve() {
    while (!stop_) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string request;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || request.size() < need) {
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
        const size_t end = request.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          const size_t at = request.find("content-length: ");
          need = end + 4 + (at == std::string::npos ? 0 : std::stoul(request.substr(at + 16)));
        }
      }
      const size_t at = request.find("webhook-id: ");
      if (at != std::string::npos) {
        std::lock_guard lock(mu_);
        ++received_[request.substr(at + 12, request.find("\r\n", at) - at - 12)];
      }
      const std::string answer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
      (void)!write(c, answer.data(), answer.size());
      close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> received_;  // webhook id -> times received
};

TEST(PostgresDeliveryNodes, TwoServersSendEachWebhookExactlyOnce) {
  PostgresServer postgres;
  ASSERT_EQ(postgres.error(), "");
  Recipient recipient;
  ASSERT_GT(recipient.port(), 0);
  const std::string url = postgres.NewDatabase("delivery_nodes");
  TempDir dir;
  std::string catalog = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml");
  const std::string hook = "https://hooks.example-ads.test/optin";
  catalog.replace(catalog.find(hook), hook.size(), "http://127.0.0.1:" + std::to_string(recipient.port()) + "/hook");
  ASSERT_EQ(RunOptin({"--db", url, "init"}).exit_code, 0);
  auto published = RunOptin({"--db", url, "catalog", "publish", dir.Write("catalog.yaml", catalog)});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  ASSERT_EQ(RunOptin({"--db", url, "recipients", "secret", "example_ads"}).exit_code, 0);
  const std::vector<std::string> flags = {"--allow-http-recipients", "--allow-private-recipients"};
  optin::testing::ServerProcess a(url, flags), b(url, flags);
  ASSERT_GT(a.port(), 0) << a.Stderr();
  ASSERT_GT(b.port(), 0) << b.Stderr();
  constexpr int kSubjects = 30;
  for (int i = 0; i < kSubjects; ++i) {
    const std::string subject = "s" + std::to_string(i);
    ASSERT_EQ(RunOptin({"--db", url, "grant", subject, "ads"}).exit_code, 0);
    ASSERT_EQ(RunOptin({"--db", url, "withdraw", subject, "ads"}).exit_code, 0);
  }
  // A grant and a withdrawal per subject, each one delivery to example_ads.
  std::map<std::string, int> received;
  for (int i = 0; i < 600 && received.size() < 2 * kSubjects; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    received = recipient.Received();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // nothing more comes
  received = recipient.Received();
  EXPECT_EQ(received.size(), 2u * kSubjects);
  for (const auto& [id, times] : received) EXPECT_EQ(times, 1) << id << " was sent " << times << " times";
  auto status = RunOptin({"--db", url, "recipients", "status"});
  EXPECT_THAT(status.out, ::testing::HasSubstr("example_ads (webhook): 0 pending, 30 unconfirmed"));
}

}  // namespace
}  // namespace optin
