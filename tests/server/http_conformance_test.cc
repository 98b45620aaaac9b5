// HTTP framing as an attacker sends it (RFC 9110, RFC 9112): requests that
// could be read two ways are refused and end the connection, so that
// nothing after them is ever taken for another request; repeated fields
// and repeated JSON keys are refused rather than guessed at.
#include <gmock/gmock.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::Connect;
using ::optin::testing::Http;
using ::optin::testing::ReadUntil;
using ::optin::testing::RunOptin;
using ::optin::testing::SendAll;
using ::optin::testing::ServerProcess;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";

// The status codes of the responses in `stream`, in order.
std::vector<int> Statuses(const std::string& stream) {
  std::vector<int> out;
  std::regex status_line("HTTP/1\\.1 (\\d{3}) ");
  for (auto it = std::sregex_iterator(stream.begin(), stream.end(), status_line); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

class HttpConformanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string db = dir_->File("optin.db");
    ASSERT_EQ(RunOptin({"--db", db, "init"}).exit_code, 0);
    ASSERT_EQ(RunOptin({"--db", db, "catalog", "publish", kShopPath}).exit_code, 0);
    key_ = new std::string(RunOptin({"--db", db, "key", "create", "--scope", "admin"}).out);
    key_->pop_back();
    server_ = new ServerProcess(db, {"--request-timeout", "3"});
    ASSERT_GT(server_->port(), 0) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete key_;
    delete dir_;
  }
  static int port() { return server_->port(); }

  // Sends `raw` on a new connection; returns everything the server sent.
  static std::string Exchange(const std::string& raw) {
    int fd = Connect(port());
    EXPECT_GE(fd, 0);
    EXPECT_TRUE(SendAll(fd, raw));
    std::string out = ReadUntil(fd, 5000);
    close(fd);
    return out;
  }

  static TempDir* dir_;
  static std::string* key_;
  static ServerProcess* server_;
};
TempDir* HttpConformanceTest::dir_ = nullptr;
std::string* HttpConformanceTest::key_ = nullptr;
ServerProcess* HttpConformanceTest::server_ = nullptr;

// A request that a front proxy might frame one way and optin another,
// followed on the same keep-alive connection by a second request. The body
// itself holds a smuggled request too.
std::string Smuggle(const std::string& framing_headers) {
  const std::string body = "0\r\n\r\nGET /v1/purposes HTTP/1.1\r\nHost: x\r\n\r\n";
  return "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing_headers +
         "\r\n" + body + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
}

TEST_F(HttpConformanceTest, AnyTransferEncodingButChunkedAloneIsRefusedAndEndsTheConnection) {
  const std::string length = "Content-Length: " + std::to_string(std::string("0\r\n\r\nGET /v1/purposes HTTP/1.1\r\nHost: x\r\n\r\n").size()) + "\r\n";
  for (const std::string te : {"gzip", "identity", "chunked, identity", "xchunked", "gzip, chunked", "chunked;q=1",
                               "chunked\r\nTransfer-Encoding: chunked", " chunked , gzip"}) {
    for (const std::string& cl : {std::string(), length}) {
      SCOPED_TRACE("Transfer-Encoding: " + te + (cl.empty() ? "" : " with Content-Length"));
      const std::string out = Exchange(Smuggle("Transfer-Encoding: " + te + "\r\n" + cl));
      // One answer, 400, and the connection closed: neither the body's
      // request nor the pipelined one is answered.
      EXPECT_EQ(Statuses(out), std::vector<int>{400}) << out;
      EXPECT_THAT(out, HasSubstr("Connection: close"));
      EXPECT_THAT(out, Not(HasSubstr("\"purposes\"")));
    }
  }
}

TEST_F(HttpConformanceTest, ChunkedWithContentLengthIsRefused) {
  const std::string out = Exchange(Smuggle("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n"));
  EXPECT_EQ(Statuses(out), std::vector<int>{400}) << out;
  const std::string reversed = Exchange(Smuggle("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n"));
  EXPECT_EQ(Statuses(reversed), std::vector<int>{400}) << reversed;
}

TEST_F(HttpConformanceTest, ChunkedAloneIsReadAndTheConnectionGoesOn) {
  const std::string json = R"({"subject":"alice","purpose":"ads"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", json.size());
  const std::string raw = "POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *key_ +
                          "\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + json + "\r\n0\r\n\r\n" +
                          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = Exchange(raw);
  EXPECT_EQ(Statuses(out), (std::vector<int>{200, 200})) << out;
  EXPECT_THAT(out, HasSubstr(R"("allowed":false,"reason":"no_consent")"));
}

// The body is parsed from what was read with the header when it is all
// there, and read from the socket when it is not: requests sent back to
// back in one write, and a body sent in pieces, are answered the same.
TEST_F(HttpConformanceTest, BodiesInOneWriteWithTheirHeadersOrInPiecesAreReadWhole) {
  auto check = [&](const std::string& subject) {
    const std::string json = R"({"subject":")" + subject + R"(","purpose":"ads"})";
    return "POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *key_ +
           "\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
  };
  const std::string last = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string pipelined = Exchange(check("alice") + check("bob") + check("carol") + last);
  EXPECT_EQ(Statuses(pipelined), (std::vector<int>{200, 200, 200, 200})) << pipelined;

  // Header and half the body, a pause, then the rest byte by byte.
  const std::string raw = check("dave") + last;
  const size_t body_start = raw.find("\r\n\r\n") + 4;
  int fd = Connect(port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, raw.substr(0, body_start + 5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (size_t i = body_start + 5; i < raw.size(); ++i) ASSERT_TRUE(SendAll(fd, raw.substr(i, 1)));
  const std::string pieces = ReadUntil(fd, 5000);
  close(fd);
  EXPECT_EQ(Statuses(pieces), (std::vector<int>{200, 200})) << pieces;
  EXPECT_THAT(pieces, HasSubstr(R"("allowed":false,"reason":"no_consent")"));

  // A body over the limit is refused whether it came with the header or not.
  const std::string big(2 << 20, 'x');
  const std::string whole = Exchange("POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *key_ +
                                     "\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
  EXPECT_EQ(Statuses(whole), std::vector<int>{413}) << whole.substr(0, 300);
}

TEST_F(HttpConformanceTest, RepeatedFramingAndCredentialFieldsAreRefused) {
  const std::string json = R"({"subject":"alice","purpose":"ads"})";
  const std::string two_lengths = "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(json.size()) +
                                  "\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
  std::string out = Exchange(two_lengths);
  EXPECT_EQ(Statuses(out), std::vector<int>{400}) << out;

  const std::string two_keys = "POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *key_ +
                               "\r\nAuthorization: Bearer optin_other\r\nContent-Length: " + std::to_string(json.size()) +
                               "\r\n\r\n" + json + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  out = Exchange(two_keys);
  EXPECT_EQ(Statuses(out), std::vector<int>{400}) << out;
  EXPECT_THAT(out, HasSubstr("more than one Authorization header"));
}

TEST_F(HttpConformanceTest, ABodyWithARepeatedKeyAtAnyDepthIsRefused) {
  auto post = [&](const std::string& target, const std::string& body) { return Http(port(), "POST", target, body, *key_); };
  auto r = post("/v1/check", R"({"subject":"alice","purpose":"ads","subject":"bob"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"duplicate_key","message":"the key `subject` repeats"}})");
  r = post("/v1/check/batch", R"({"checks":[{"subject":"a","purpose":"ads"},{"subject":"b","purpose":"ads","purpose":"delivery"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr(R"("code":"duplicate_key","message":"the key `purpose` repeats")"));
  // The same keys in different objects are fine.
  r = post("/v1/check/batch", R"({"checks":[{"subject":"a","purpose":"ads"},{"subject":"b","purpose":"ads"}]})");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(HttpConformanceTest, BearerCredentialsAreParsedAsRfc6750Says) {
  const std::string json = R"({"subject":"alice","purpose":"ads"})";
  auto check = [&](const std::string& authorization) {
    return Http(port(), "POST", "/v1/check", json, std::vector<std::string>{"Authorization: " + authorization});
  };
  // 1*SP after the scheme, the scheme in any case, whitespace around the value.
  for (const std::string& ok : {"Bearer " + *key_, "Bearer   " + *key_, "bearer " + *key_, "BEARER " + *key_,
                                "Bearer " + *key_ + "   ", "Bearer " + *key_ + "\t"}) {
    EXPECT_EQ(check(ok).status, 200) << "`" << ok << "`";
  }
  for (const std::string& bad : {"Bearer " + *key_ + " extra", std::string("Bearer"), std::string("Bearer "), "Basic " + *key_, "Bearer\t" + *key_,
                                 "Bearer " + *key_ + ",x"}) {
    auto r = check(bad);
    EXPECT_EQ(r.status, 401) << "`" << bad << "`";
    EXPECT_THAT(r.body, HasSubstr("the Authorization header must be `Bearer TOKEN`")) << "`" << bad << "`";
    EXPECT_THAT(r.body, Not(HasSubstr("the link is not valid")));
  }
}

}  // namespace
}  // namespace optin
