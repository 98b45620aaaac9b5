// The router in process: an Api over an engine on a memory store with an
// injected clock, so that time is stepped rather than waited for.
#include <gmock/gmock.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "src/common/time.h"
#include "src/server/api.h"
#include "src/server/auth.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin::server {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The message of an error answer (`{"error":{"code","message"}}`).
std::string ErrorMessage(const HttpResponse& r) { return JsonDoc(r.body).Str("/error/message"); }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {.clock = [this] { return now_.load(); }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml"), "shop.yaml");
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(engine_->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    auto key = engine_->CreateApiKey(Scope::kAdmin, "router-test");
    ASSERT_THAT(key, IsOk());
    admin_ = "Bearer " + *key;
    api_ = std::make_unique<Api>(*engine_, "https://privacy.example");
  }

  HttpResponse Send(std::string method, std::string target, std::string authorization = "", std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.authorization = std::move(authorization);
    r.body = std::move(body);
    return api_->Handle(r);
  }

  std::atomic<int64_t> now_{ParseRfc3339("2026-06-01T09:00:00Z").value()};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
  std::string admin_;
};

TEST_F(RouterTest, AnswersAreLabelledWithTheirRoutePattern) {
  EXPECT_EQ(Send("GET", "/healthz").route, "/healthz");
  HttpResponse r = Send("GET", "/v1/subjects/al%20ice/consents", admin_);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.route, "/v1/subjects/{id}/consents");
  EXPECT_EQ(JsonDoc(r.body).Str("/subject"), "al ice");
  r = Send("PATCH", "/v1/subjects/alice/consents", admin_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.route, "/v1/subjects/{id}/consents");
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>("Allow", "GET, DELETE")));
  r = Send("GET", "/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.route, "unmatched");
}

TEST_F(RouterTest, ALinkOpensItsRecordUntilItExpiresOnTheEnginesClock) {
  HttpResponse made = Send("POST", "/v1/subjects/alice/link", admin_, R"({"ttl":"PT1H"})");
  ASSERT_EQ(made.status, 200) << made.body;
  JsonDoc link(made.body);
  EXPECT_EQ(link.Str("/url"), "https://privacy.example/p/" + link.Str("/token"));
  EXPECT_EQ(link.Str("/expires"), "2026-06-01T10:00:00Z");
  const std::string token = "Bearer " + link.Str("/token");

  EXPECT_EQ(Send("GET", "/v1/session", token).status, 200);
  EXPECT_EQ(Send("GET", "/v1/subjects/alice/consents", token).status, 200);
  EXPECT_EQ(Send("GET", "/v1/subjects/bob/consents", token).status, 403);
  now_ += int64_t{59} * 60 * 1'000'000;  // 59 minutes on
  EXPECT_EQ(Send("GET", "/v1/session", token).status, 200);
  now_ += int64_t{60} * 1'000'000;  // the hour is up
  HttpResponse expired = Send("GET", "/v1/session", token);
  EXPECT_EQ(expired.status, 401);
  EXPECT_THAT(ErrorMessage(expired), HasSubstr("the link has expired"));
  EXPECT_THAT(expired.headers, ::testing::Contains(std::pair<std::string, std::string>("WWW-Authenticate", "Bearer")));
}

TEST_F(RouterTest, ARevokedKeyStopsWorkingWhenTheKeysAreReadAgain) {
  auto key = engine_->CreateApiKey(Scope::kCheck, "pipeline");
  ASSERT_THAT(key, IsOk());
  const std::string check = "Bearer " + *key;
  const std::string body = R"({"subject":"alice","purpose":"ads"})";
  now_ += kKeyReloadMicros;  // the new key is read
  EXPECT_EQ(Send("POST", "/v1/check", check, body).status, 200);
  // Revoked in the store (as `optin key revoke` in another process does):
  // the server reads its keys again within a second.
  ASSERT_THAT(engine_->RevokeApiKey("pipeline"), IsOk());
  now_ += kKeyReloadMicros - 1;
  EXPECT_EQ(Send("POST", "/v1/check", check, body).status, 200);
  now_ += 1;
  HttpResponse after = Send("POST", "/v1/check", check, body);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(JsonDoc(after.body).Str("/error/code"), "unauthenticated");
  EXPECT_THAT(ErrorMessage(after), HasSubstr("unknown or revoked"));
}

TEST_F(RouterTest, SecGpcIsRecordedOnceWhereTheTableSays) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/v1/subjects/carol/history";
  r.authorization = admin_;
  r.gpc = true;
  const uint64_t before = engine_->last_seq();
  EXPECT_EQ(api_->Handle(r).status, 200);
  EXPECT_EQ(engine_->last_seq(), before + 1);  // the signal
  EXPECT_EQ(engine_->Decide("carol", "ads").reason, Reason::kGpcOptOut);
  EXPECT_EQ(api_->Handle(r).status, 200);
  EXPECT_EQ(engine_->last_seq(), before + 1);  // once
  // Not on a route that does not act for a subject.
  r.path = "/v1/subjects/dave/link";
  r.method = "POST";
  EXPECT_EQ(api_->Handle(r).status, 200);
  EXPECT_EQ(engine_->last_seq(), before + 1);
}

TEST_F(RouterTest, ABatchWithOneMalformedCheckFailsWholeAndNamesIt) {
  HttpResponse r = Send("POST", "/v1/check/batch", admin_,
                        R"({"checks":[{"subject":"alice","purpose":"ads"},{"subject":"bob"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("`checks[1].purpose` is missing"));
  r = Send("POST", "/v1/check/batch", admin_, R"({"checks":[{"subject":7,"purpose":"ads"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("`checks[0].subject` must be a string"));
  r = Send("POST", "/v1/check/batch", admin_, R"({"checks":[{"subject":"","purpose":"ads"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("checks[0]: "));
  r = Send("POST", "/v1/check/batch", admin_, R"({"checks":{"subject":"alice"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(ErrorMessage(r), HasSubstr("the body needs `checks`"));
}

TEST_F(RouterTest, ConsentsSayWhatAWithdrawalWouldTakeBackAndWhenAYesLapses) {
  JsonDoc purposes(Send("GET", "/v1/purposes").body);
  ASSERT_EQ(purposes.Str("/purposes/1/id"), "ads");  // expires: P1Y
  const std::string notice = purposes.Str("/purposes/1/notice");
  HttpResponse g = Send("PUT", "/v1/subjects/alice/consents/ads", admin_, R"({"notice":")" + notice + R"("})");
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(JsonDoc(g.body).At("/withdrawable"), "true");
  // A year on the civil calendar from the grant, as the engine counts it.
  EXPECT_EQ(JsonDoc(g.body).Str("/expires_at"), "2027-06-01T09:00:00Z");
  JsonDoc consents(Send("GET", "/v1/subjects/alice/consents", admin_).body);
  EXPECT_EQ(consents.Str("/purposes/1/expires_at"), "2027-06-01T09:00:00Z");
  EXPECT_EQ(consents.At("/purposes/0/withdrawable"), "false");  // necessary
  EXPECT_EQ(consents.At("/purposes/2/withdrawable"), "false");  // never asked

  // A GPC signal overrides the yes, which a withdrawal would still take back.
  ASSERT_EQ(Send("POST", "/v1/subjects/alice/signals", admin_, R"({"gpc":true})").status, 200);
  consents = JsonDoc(Send("GET", "/v1/subjects/alice/consents", admin_).body);
  EXPECT_EQ(consents.Str("/purposes/1/reason"), "gpc_opt_out");
  EXPECT_EQ(consents.At("/purposes/1/withdrawable"), "true");
  // Expired: still the customer's last word, still withdrawable.
  now_ += int64_t{366} * 24 * 3600 * 1'000'000;
  consents = JsonDoc(Send("GET", "/v1/subjects/alice/consents", admin_).body);
  EXPECT_EQ(consents.At("/purposes/1/withdrawable"), "true");
  HttpResponse all = Send("DELETE", "/v1/subjects/alice/consents", admin_);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(JsonDoc(all.body).At("/purposes/1/withdrawable"), "false");
  EXPECT_EQ(JsonDoc(all.body).At("/purposes/1/expires_at"), "null");
}

}  // namespace
}  // namespace optin::server
