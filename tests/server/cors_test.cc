// OPTIONS and CORS (docs/api.md, "Cross-origin requests"): OPTIONS on a
// known path answers 204 with Allow before any authentication; origins the
// operator allowed get the preflight headers and Access-Control-Allow-Origin
// on every answer; other origins get none.
#include "src/server/cors.h"
#include "src/server/routes.h"

#include <gmock/gmock.h>

#include "tests/support/http_client.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::server::MatchRoute;
using ::optin::server::ValidateOrigin;
using ::optin::testing::Http;
using ::optin::testing::HttpResult;
using ::optin::testing::IsOk;
using ::optin::testing::RunOptin;
using ::optin::testing::ServerProcess;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";
constexpr char kShop[] = "https://shop.example";

// Every path the API serves, with the methods it takes.
const std::vector<std::pair<std::string, std::string>> kPaths = {
    {"/healthz", "GET"},
    {"/metrics", "GET"},
    {"/v1/openapi.json", "GET"},
    {"/v1/purposes", "GET"},
    {"/.well-known/gpc.json", "GET"},
    {"/v1/log/head", "GET"},
    {"/v1/log/key", "GET"},
    {"/v1/log/proof/inclusion", "GET"},
    {"/v1/log/proof/consistency", "GET"},
    {"/v1/check", "POST"},
    {"/v1/check/batch", "POST"},
    {"/v1/changes", "GET"},
    {"/v1/session", "GET"},
    {"/", "GET"},
    {"/p/sometoken", "GET"},
    {"/static/app.js", "GET"},
    {"/v1/subjects/alice", "DELETE"},
    {"/v1/subjects/alice/consents", "GET, DELETE"},
    {"/v1/subjects/alice/consents/ads", "PUT, DELETE"},
    {"/v1/subjects/alice/history", "GET"},
    {"/v1/subjects/alice/link", "POST"},
    {"/v1/subjects/alice/signals", "GET, POST"},
    {"/v1/subjects/alice/receipts", "GET"},
    {"/v1/subjects/alice/export", "GET"},
};

TEST(Cors, OriginsAreWrittenAsBrowsersSendThem) {
  EXPECT_THAT(ValidateOrigin("https://shop.example"), IsOk());
  EXPECT_THAT(ValidateOrigin("http://127.0.0.1:3000"), IsOk());
  for (const char* bad : {"shop.example", "https://shop.example/", "https://shop.example/path", "ftp://x", "https://",
                          "https://Shop.example", "*"}) {
    EXPECT_THAT(ValidateOrigin(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not an origin"))) << bad;
  }
}

TEST(Cors, UnknownPathsHaveNoMethods) {
  for (const char* path : {"/v1", "/v1/subjects", "/v1/subjects/", "/v1/subjects/a/b", "/v1/subjects/a/consents/b/c",
                           "/nope", "/v1/checks"}) {
    EXPECT_FALSE(MatchRoute(path).has_value()) << path;
  }
}

class CorsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string db = dir_->File("optin.db");
    ASSERT_EQ(RunOptin({"--db", db, "init"}).exit_code, 0);
    ASSERT_EQ(RunOptin({"--db", db, "catalog", "publish", kShopPath}).exit_code, 0);
    key_ = new std::string(RunOptin({"--db", db, "key", "create", "--scope", "admin"}).out);
    key_->pop_back();
    server_ = new ServerProcess(db, {"--cors-origin", kShop, "--cors-origin", "http://127.0.0.1:3000"});
    ASSERT_GT(server_->port(), 0) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete key_;
    delete dir_;
  }
  static HttpResult Send(const std::string& method, const std::string& path, std::vector<std::string> headers,
                         const std::string& body = "") {
    return Http(server_->port(), method, path, body, headers);
  }

  static TempDir* dir_;
  static std::string* key_;
  static ServerProcess* server_;
};
TempDir* CorsServerTest::dir_ = nullptr;
std::string* CorsServerTest::key_ = nullptr;
ServerProcess* CorsServerTest::server_ = nullptr;

TEST_F(CorsServerTest, OptionsOnEveryKnownPathAnswersAllowWithoutCredentials) {
  for (const auto& [path, methods] : kPaths) {
    HttpResult r = Send("OPTIONS", path, {});
    EXPECT_EQ(r.status, 204) << path << " " << r.body;
    EXPECT_EQ(r.headers["allow"], methods + ", OPTIONS") << path;
    EXPECT_EQ(r.body, "") << path;
    EXPECT_EQ(r.headers.count("content-length"), 0u) << path;  // RFC 9110 §8.6
    EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u) << path;
    // What OPTIONS says is what a wrong method is told (with a key, so that
    // the method check is reached).
    HttpResult wrong = Send("PATCH", path, {"Authorization: Bearer " + *key_});
    EXPECT_EQ(wrong.status, 405) << path << " " << wrong.body;
    EXPECT_EQ(wrong.headers["allow"], methods) << path;
  }
  EXPECT_EQ(Send("OPTIONS", "/v1/nope", {}).status, 404);
}

TEST_F(CorsServerTest, AnAllowedOriginGetsThePreflightHeaders) {
  HttpResult r = Send("OPTIONS", "/v1/subjects/alice/consents/ads",
                      {std::string("Origin: ") + kShop, "Access-Control-Request-Method: PUT",
                       "Access-Control-Request-Headers: authorization, content-type"});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], kShop);
  EXPECT_EQ(r.headers["access-control-allow-methods"], "PUT, DELETE, OPTIONS");
  EXPECT_THAT(r.headers["access-control-allow-headers"], HasSubstr("Authorization, Content-Type"));
  EXPECT_EQ(r.headers["access-control-max-age"], "600");
  EXPECT_EQ(r.headers["vary"], "Origin");
  EXPECT_EQ(r.headers.count("access-control-allow-credentials"), 0u);
  // The real request, and its errors too, carry the origin back.
  HttpResult check = Send("POST", "/v1/check", {std::string("Origin: ") + kShop, "Authorization: Bearer " + *key_},
                          R"({"subject":"alice","purpose":"ads"})");
  EXPECT_EQ(check.status, 200);
  EXPECT_EQ(check.headers["access-control-allow-origin"], kShop);
  HttpResult denied = Send("POST", "/v1/check", {std::string("Origin: ") + kShop}, R"({"subject":"a","purpose":"ads"})");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.headers["access-control-allow-origin"], kShop);
}

TEST_F(CorsServerTest, AnotherOriginGetsNoCorsHeaders) {
  for (const char* origin : {"https://evil.example", "https://shop.example.evil.example", "null", "https://SHOP.example"}) {
    HttpResult r = Send("OPTIONS", "/v1/check", {std::string("Origin: ") + origin, "Access-Control-Request-Method: POST"});
    EXPECT_EQ(r.status, 204) << origin;
    EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u) << origin;
    EXPECT_EQ(r.headers.count("access-control-allow-methods"), 0u) << origin;
    HttpResult get = Send("GET", "/v1/purposes", {std::string("Origin: ") + origin});
    EXPECT_EQ(get.headers.count("access-control-allow-origin"), 0u) << origin;
  }
}

TEST(CorsServe, ABadOriginIsAUsageError) {
  TempDir dir;
  const std::string db = dir.File("optin.db");
  ASSERT_EQ(RunOptin({"--db", db, "init"}).exit_code, 0);
  auto r = RunOptin({"--db", db, "serve", "--listen", "127.0.0.1:0", "--cors-origin", "https://shop.example/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("optin: --cors-origin: `https://shop.example/` is not an origin"));
}

}  // namespace
}  // namespace optin
