// Usage through the router (docs/usage.md): checks naming who uses the data
// (in the body, or by a recipient's own key), what the customer reads back,
// and the denied checks the company sees.
#include <gmock/gmock.h>

#include "src/server/api.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin::server {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::testing::HasSubstr;

constexpr int64_t kDay = int64_t{86'400} * 1'000'000;

class UsageApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {.clock = [this] { return now_; }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(engine_->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    admin_ = "Bearer " + *engine_->CreateApiKey(Scope::kAdmin, "admin");
    check_ = "Bearer " + *engine_->CreateApiKey(Scope::kCheck, "pipeline");
    ads_key_ = "Bearer " + *engine_->CreateRecipientKey("example_ads", "example-ads");
    api_ = std::make_unique<Api>(*engine_, "https://privacy.example");
    ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  }

  HttpResponse Send(std::string method, std::string target, std::string body, const std::string& authorization) {
    HttpRequest r;
    r.method = std::move(method);
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.content_type = "application/json";
    r.accept = "application/json";
    r.authorization = authorization;
    return api_->Handle(r);
  }
  JsonDoc Check(const std::string& body, const std::string& authorization, int status = 200) {
    HttpResponse r = Send("POST", "/v1/check", body, authorization);
    EXPECT_EQ(r.status, status) << r.body;
    return JsonDoc(r.body);
  }

  int64_t now_ = 1'793'750'400'000'000;  // 2026-11-04T00:00:00Z
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
  std::string admin_, check_, ads_key_;
};

TEST_F(UsageApiTest, ACheckNamesItsRecipientAndIsDeniedWhereTheNoticeDoesNot) {
  EXPECT_EQ(Check(R"({"subject":"alice","purpose":"ads","recipient":"example_ads"})", check_).Str("/reason"),
            "granted");
  EXPECT_EQ(Check(R"({"subject":"alice","purpose":"ads","recipient":"warehouse"})", check_).Str("/reason"),
            "recipient_not_declared");
  JsonDoc typo = Check(R"({"subject":"alice","purpose":"ads","recipient":"example_adz"})", check_, 400);
  EXPECT_EQ(typo.Str("/error/code"), "unknown_recipient");
  EXPECT_EQ(typo.Str("/error/message"),
            "`recipient`: `example_adz` is not a recipient of the catalog in force (did you mean `example_ads`?)");
  EXPECT_EQ(Check(R"({"subject":"alice","purpose":"ads","recipient":7})", check_, 400).Str("/error/code"),
            "invalid_argument");
  // A recipient's own key checks for it without saying so, and for no other.
  EXPECT_EQ(Check(R"({"subject":"alice","purpose":"ads"})", ads_key_).Str("/reason"), "granted");
  EXPECT_EQ(Check(R"({"subject":"alice","purpose":"ads","recipient":"example_exchange"})", ads_key_, 403)
                .Str("/error/code"),
            "recipient_mismatch");
  // In a batch, each check names its own.
  HttpResponse batch = Send("POST", "/v1/check/batch",
                            R"({"checks":[{"subject":"alice","purpose":"ads","recipient":"example_exchange"},
                                          {"subject":"alice","purpose":"ads","recipient":"warehouse"},
                                          {"subject":"alice","purpose":"ads"}]})",
                            check_);
  ASSERT_EQ(batch.status, 200) << batch.body;
  JsonDoc results(batch.body);
  EXPECT_EQ(results.Str("/results/0/reason"), "granted");
  EXPECT_EQ(results.Str("/results/1/reason"), "recipient_not_declared");
  EXPECT_EQ(results.Str("/results/2/reason"), "granted");
  HttpResponse bad = Send("POST", "/v1/check/batch",
                          R"({"checks":[{"subject":"alice","purpose":"ads","recipient":"nope"}]})", check_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(JsonDoc(bad.body).Str("/error/message"),
            "`checks[0].recipient`: `nope` is not a recipient of the catalog in force");
  // A refused batch notes nothing, not even the checks before the bad one.
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  const size_t before = engine_->SubjectUsage("bob")->size();
  ASSERT_THAT(engine_->Grant("bob", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  bad = Send("POST", "/v1/check/batch",
             R"({"checks":[{"subject":"bob","purpose":"ads"},{"subject":"bob","purpose":"ads","recipient":"nope"}]})",
             check_);
  EXPECT_EQ(bad.status, 400);
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  EXPECT_EQ(engine_->SubjectUsage("bob")->size(), before);
}

TEST_F(UsageApiTest, TheCustomerReadsWhoUsedTheirDataOnWhichDays) {
  for (int day = 0; day < 3; ++day) {
    Check(R"({"subject":"alice","purpose":"ads"})", ads_key_);
    Check(R"({"subject":"alice","purpose":"ads"})", ads_key_);
    now_ += kDay;
  }
  Check(R"({"subject":"alice","purpose":"ads","recipient":"example_exchange"})", check_);
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  HttpResponse r = Send("GET", "/v1/subjects/alice/usage?locale=ja", "", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc usage(r.body);
  ASSERT_EQ(usage.Size("/usage"), 2);
  EXPECT_EQ(usage.Str("/locale"), "ja");
  EXPECT_EQ(usage.Str("/usage/0/recipient"), "example_ads");
  EXPECT_EQ(usage.Str("/usage/0/name"), "エグザンプル広告");
  EXPECT_EQ(usage.Str("/usage/0/title"), "パーソナライズ広告");
  EXPECT_EQ(usage.At("/usage/0/data"), R"(["クリック"])");
  EXPECT_EQ(usage.At("/usage/0/days"), R"(["2026-11-04","2026-11-05","2026-11-06"])");
  EXPECT_EQ(usage.At("/usage/0/months"), R"([{"month":"2026-11","days":3}])");
  EXPECT_EQ(usage.At("/usage/1/days"), R"(["2026-11-07"])");
  // Nobody else's, and a check key may not read it.
  EXPECT_EQ(Send("GET", "/v1/subjects/alice/usage", "", check_).status, 403);
  EXPECT_EQ(JsonDoc(Send("GET", "/v1/subjects/bob/usage", "", admin_).body).Size("/usage"), 0);
  // Erased: gone.
  ASSERT_EQ(Send("DELETE", "/v1/subjects/alice", "", admin_).status, 200);
  EXPECT_EQ(JsonDoc(Send("GET", "/v1/subjects/alice/usage", "", admin_).body).Size("/usage"), 0);
}

TEST_F(UsageApiTest, TheCompanySeesWhoKeepsAskingAfterANo) {
  ASSERT_THAT(engine_->Withdraw("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  for (int i = 0; i < 4; ++i) Check(R"({"subject":"alice","purpose":"ads"})", ads_key_);
  Check(R"({"subject":"bob","purpose":"ads"})", check_);
  ASSERT_THAT(engine_->FlushUsage(), IsOk());
  HttpResponse r = Send("GET", "/v1/usage/denied?days=1", "", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"since":"2026-11-04","denied":[)"
                    R"({"day":"2026-11-04","purpose":"ads","recipient":null,"reason":"no_consent","count":1},)"
                    R"({"day":"2026-11-04","purpose":"ads","recipient":"example_ads","reason":"withdrawn","count":4}]})");
  // Not for the customer, nor for a key that only checks.
  EXPECT_EQ(Send("GET", "/v1/usage/denied", "", check_).status, 403);
  EXPECT_EQ(Send("GET", "/v1/usage/denied?days=0", "", admin_).status, 400);
  EXPECT_EQ(Send("GET", "/v1/usage/denied?days=99999", "", admin_).status, 400);
  // A day later, `days=1` is that day alone.
  now_ += kDay;
  EXPECT_THAT(Send("GET", "/v1/usage/denied?days=1", "", admin_).body, HasSubstr(R"("denied":[])"));
}

}  // namespace
}  // namespace optin::server
