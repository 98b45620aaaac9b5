// The webhook client's guard against server-side request forgery: which
// addresses and URLs it refuses before anything is sent.
#include "src/recipients/webhook_client.h"

#include <gmock/gmock.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace optin::recipients {
namespace {

using ::testing::HasSubstr;

TEST(WebhookClient, OnlyPublicUnicastAddressesAreAllowedByDefault) {
  for (const char* ip : {"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"}) {
    EXPECT_TRUE(AddressAllowed(ip, false)) << ip;
  }
  // RFC 1918, loopback, link-local (cloud metadata), CGNAT, this network,
  // benchmarking, multicast, broadcast; their IPv6 kin and IPv4 mapped in IPv6.
  for (const char* ip : {"10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "127.0.0.1", "127.1.2.3",
                         "169.254.169.254", "100.64.0.1", "0.0.0.0", "198.18.0.1", "224.0.0.1", "255.255.255.255",
                         "192.0.0.8", "::1", "::", "fe80::1", "fd00::1", "fc12::3", "ff02::1", "::ffff:127.0.0.1",
                         "::ffff:10.1.2.3", "::ffff:169.254.169.254"}) {
    EXPECT_FALSE(AddressAllowed(ip, false)) << ip;
    EXPECT_TRUE(AddressAllowed(ip, true)) << ip;
  }
  EXPECT_TRUE(AddressAllowed("172.32.0.1", false));  // just past 172.16.0.0/12
  EXPECT_FALSE(AddressAllowed("not an address", true));
}

TEST(WebhookClient, RefusesWhatItMayNotSendBeforeSendingAnything) {
  const WebhookClientOptions strict;
  SendOutcome r = PostWebhook(strict, "http://127.0.0.1:9/hook", {}, "{}");
  EXPECT_EQ(r.http_status, 0);
  EXPECT_THAT(r.error, HasSubstr("is not https: refused"));
  r = PostWebhook(strict, "https://127.0.0.1:9/hook", {}, "{}");
  EXPECT_THAT(r.error, HasSubstr("resolves to 127.0.0.1, a private, loopback or link-local address: refused"));
  r = PostWebhook(strict, "https://localhost:9/hook", {}, "{}");
  EXPECT_THAT(r.error, HasSubstr("a private, loopback or link-local address: refused"));
  r = PostWebhook({.allow_http = true}, "http://169.254.169.254/latest/meta-data/", {}, "{}");
  EXPECT_THAT(r.error, HasSubstr("resolves to 169.254.169.254"));
  for (const char* bad : {"ftp://x.example/", "https://user:pw@x.example/", "https://", "x.example/hook"}) {
    EXPECT_THAT(PostWebhook(strict, bad, {}, "{}").error, HasSubstr("is not an http(s) URL")) << bad;
  }
}

TEST(WebhookClient, ARecipientThatDoesNotAnswerTimesOut) {
  // A listening socket that never accepts: the connection is made (the
  // kernel's backlog) and nothing ever answers.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
  SendOutcome r = PostWebhook({.allow_http = true, .allow_private = true, .timeout_ms = 300}, url, {}, "{}");
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.error, "timed out after 300 ms");
  close(fd);
  // Nobody listening at all.
  r = PostWebhook({.allow_http = true, .allow_private = true, .timeout_ms = 300}, url, {}, "{}");
  EXPECT_EQ(r.http_status, 0);
  EXPECT_THAT(r.error, HasSubstr("refused"));
}

}  // namespace
}  // namespace optin::recipients
