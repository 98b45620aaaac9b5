// One-click e-mail opt-out (RFC 8058) through the router: the link an
// admin makes, the POST a mail provider sends, the page a person sees, and
// what a token may not do.
#include <gmock/gmock.h>

#include <fstream>
#include <sstream>

#include "src/common/time.h"
#include "src/server/api.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin::server {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr std::string_view kOneClick = "List-Unsubscribe=One-Click";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

class UnsubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {.clock = [this] { return now_; }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    std::ifstream in(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto catalog = ParseCatalog(text.str(), "shop.yaml");
    ASSERT_THAT(catalog, IsOk());
    ASSERT_THAT(engine_->Publish(*catalog, {}, {.channel = "cli"}), IsOk());
    auto key = engine_->CreateApiKey(Scope::kAdmin, "mailer");
    ASSERT_THAT(key, IsOk());
    admin_ = "Bearer " + *key;
    key = engine_->CreateApiKey(Scope::kWrite, "writer");
    ASSERT_THAT(key, IsOk());
    write_ = "Bearer " + *key;
    api_ = std::make_unique<Api>(*engine_, "https://privacy.example");
    ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads", "recommendations"}, {.channel = "web"}),
                IsOk());
  }

  HttpResponse Send(std::string method, std::string target, std::string body = "",
                    std::string content_type = std::string(kForm), std::string accept = "*/*",
                    std::string authorization = "") {
    HttpRequest r;
    r.method = std::move(method);
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    r.accept = std::move(accept);
    r.authorization = std::move(authorization);
    return api_->Handle(r);
  }

  // The path of a fresh opt-out link for alice's `purpose`.
  std::string LinkPath(std::string_view purpose, std::string_view ttl = "") {
    std::string body = "{\"purpose\":\"" + std::string(purpose) + "\"";
    if (!ttl.empty()) body += ",\"ttl\":\"" + std::string(ttl) + "\"";
    HttpResponse made = Send("POST", "/v1/subjects/alice/unsubscribe-link", body + "}", "application/json",
                             "application/json", admin_);
    EXPECT_EQ(made.status, 200) << made.body;
    const std::string url = JsonDoc(made.body).Str("/url");
    EXPECT_TRUE(url.starts_with("https://privacy.example/u/")) << url;
    return url.substr(std::string_view("https://privacy.example").size());
  }

  int Withdrawals(std::string_view purpose) {
    auto history = engine_->History("alice");
    EXPECT_THAT(history, IsOk());
    int n = 0;
    for (const HistoryEntry& h : *history) n += h.action == Action::kWithdraw && h.purpose == purpose;
    return n;
  }

  int64_t now_ = ParseRfc3339("2026-11-02T09:00:00Z").value();
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
  std::string admin_;
  std::string write_;
};

TEST_F(UnsubscribeTest, TheLinkCarriesBothHeadersOfTheEmail) {
  HttpResponse made = Send("POST", "/v1/subjects/alice/unsubscribe-link", R"({"purpose":"ads","ttl":"P30D"})",
                           "application/json", "application/json", admin_);
  ASSERT_EQ(made.status, 200) << made.body;
  JsonDoc doc(made.body);
  EXPECT_EQ(doc.Str("/purpose"), "ads");
  EXPECT_EQ(doc.Str("/expires"), "2026-12-02T09:00:00Z");
  EXPECT_EQ(doc.Str("/headers/List-Unsubscribe"), "<" + doc.Str("/url") + ">");
  EXPECT_EQ(doc.Str("/headers/List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(doc.Str("/url"), "https://privacy.example/u/" + doc.Str("/token"));
}

TEST_F(UnsubscribeTest, OnePostWithdrawsAtOnceWithChannelEmailAndARepeatRecordsNothing) {
  const std::string path = LinkPath("ads");
  EXPECT_TRUE(engine_->Decide("alice", "ads").allowed);
  HttpResponse r = Send("POST", path, std::string(kOneClick));
  ASSERT_EQ(r.status, 200) << r.body;
  JsonDoc doc(r.body);
  EXPECT_EQ(doc.Str("/purpose"), "ads");
  EXPECT_EQ(doc.At("/recorded"), "true");
  EXPECT_EQ(doc.Str("/time"), "2026-11-02T09:00:00Z");
  // The poster (often a mail provider) is not told whose it was.
  EXPECT_THAT(r.body, Not(HasSubstr("alice")));
  EXPECT_FALSE(engine_->Decide("alice", "ads").allowed);
  EXPECT_TRUE(engine_->Decide("alice", "recommendations").allowed);
  auto history = engine_->History("alice");
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->back().action, Action::kWithdraw);
  EXPECT_EQ(history->back().channel, "email");
  EXPECT_EQ(history->back().actor, "list-unsubscribe");
  // Its receipt is the customer's, kept with their record.
  const std::vector<uint64_t> seq{history->back().seq};
  auto receipts = engine_->Receipts("alice", seq, "en");
  ASSERT_THAT(receipts, IsOk());
  EXPECT_EQ(receipts->size(), 1u);

  // A replay (a provider retrying, a second click) is harmless.
  r = Send("POST", path, std::string(kOneClick));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonDoc(r.body).At("/recorded"), "false");
  EXPECT_EQ(Withdrawals("ads"), 1);
  // After saying yes again, the same link says no again.
  ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  EXPECT_EQ(JsonDoc(Send("POST", path, std::string(kOneClick)).body).At("/recorded"), "true");
  EXPECT_EQ(Withdrawals("ads"), 2);
}

TEST_F(UnsubscribeTest, AMultipartFormIsOneClickToo) {
  const std::string body =
      "--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b0undary--\r\n";
  HttpResponse r = Send("POST", LinkPath("ads"), body, "multipart/form-data; boundary=b0undary");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(engine_->Decide("alice", "ads").allowed);
}

TEST_F(UnsubscribeTest, APostWithoutTheOneClickFieldChangesNothing) {
  const std::string path = LinkPath("ads");
  for (const auto& [body, type] : std::vector<std::pair<std::string, std::string>>{
           {"", std::string(kForm)},
           {"List-Unsubscribe=Yes", std::string(kForm)},
           {"x=List-Unsubscribe=One-Click", std::string(kForm)},
           {"List-Unsubscribe=One-Clicks", std::string(kForm)},
           {"--b\r\nContent-Disposition: form-data; name=\"Other\"\r\n\r\nOne-Click\r\n--b--", "multipart/form-data"},
       }) {
    HttpResponse r = Send("POST", path, body, type);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(r.body, HasSubstr("List-Unsubscribe=One-Click")) << body;
  }
  // Beside other fields, in any place, it counts.
  EXPECT_EQ(Send("POST", path, "a=1&List-Unsubscribe=One-Click&b=2").status, 200);
  EXPECT_EQ(Withdrawals("ads"), 1);
}

TEST_F(UnsubscribeTest, ThePageAsksWithOneButtonAndChangesNothingUntilPressed) {
  const std::string path = LinkPath("ads");
  HttpResponse page = Send("GET", path, "", "", "text/html", "");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("Personalized ads"));
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
                                   "value=\"One-Click\"><button type=\"submit\">"));
  EXPECT_THAT(page.body, HasSubstr("href=\"https://privacy.example/\""));
  EXPECT_THAT(page.headers, Contains(Pair("Content-Security-Policy", HasSubstr("form-action 'self'"))));
  // A link scanner that opens every link withdraws nothing.
  EXPECT_TRUE(engine_->Decide("alice", "ads").allowed);

  // The button: the same form, from a browser, answered with a page.
  HttpResponse done = Send("POST", path, std::string(kOneClick), std::string(kForm), "text/html,*/*;q=0.8");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_THAT(done.body, HasSubstr("Example Shop no longer uses your data for “Personalized ads”"));
  EXPECT_THAT(done.body, HasSubstr("2026-11-02 09:00 UTC"));
  EXPECT_FALSE(engine_->Decide("alice", "ads").allowed);
  // Opened again: nothing is left to do, and no button.
  HttpResponse again = Send("GET", path, "", "", "text/html", "");
  EXPECT_THAT(again.body, HasSubstr("does not use your data"));
  EXPECT_THAT(again.body, Not(HasSubstr("<button")));
}

TEST_F(UnsubscribeTest, ThePageSpeaksJapanese) {
  HttpRequest r;
  r.method = "GET";
  r.path = LinkPath("recommendations");
  r.accept = "text/html";
  r.accept_language = "ja-JP,ja;q=0.9,en;q=0.5";
  HttpResponse page = api_->Handle(r);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("<html lang=\"ja\">"));
  EXPECT_THAT(page.body, HasSubstr("「おすすめ」のためのデータ利用をやめますか？"));
  EXPECT_THAT(page.body, HasSubstr("このデータ利用をやめる"));
}

TEST_F(UnsubscribeTest, ATokenOpensNothingElseAndNothingElseOpensIt) {
  const std::string path = LinkPath("ads");
  const std::string token = path.substr(3);
  // Not a preference-center link, not an API key.
  HttpResponse session = Send("GET", "/v1/session", "", "", "*/*", "Bearer " + token);
  EXPECT_EQ(session.status, 401) << session.body;
  EXPECT_EQ(Send("GET", "/v1/subjects/alice/consents", "", "", "*/*", "Bearer " + token).status, 401);
  // A preference-center link is not an opt-out link.
  auto link = engine_->CreateLink("alice", "PT1H", "https://privacy.example");
  ASSERT_THAT(link, IsOk());
  HttpResponse r = Send("POST", "/u/" + link->token, std::string(kOneClick));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(JsonDoc(r.body).Str("/error/code"), "not_found");
  // One altered character.
  std::string altered = path;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Send("POST", altered, std::string(kOneClick)).status, 404);
  HttpResponse page = Send("GET", altered, "", "", "text/html", "");
  EXPECT_EQ(page.status, 404);
  EXPECT_THAT(page.body, HasSubstr("This link does not work"));
  EXPECT_EQ(Withdrawals("ads"), 0);
}

TEST_F(UnsubscribeTest, AnExpiredLinkWithdrawsNothing) {
  const std::string path = LinkPath("ads", "P1D");
  now_ += int64_t{86400} * 1'000'000;
  HttpResponse r = Send("POST", path, std::string(kOneClick));
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(JsonDoc(r.body).Str("/error/message"), HasSubstr("expired"));
  EXPECT_TRUE(engine_->Decide("alice", "ads").allowed);
}

TEST_F(UnsubscribeTest, OnlyAnAdminMakesLinksAndOnlyForConsentPurposes) {
  EXPECT_EQ(
      Send("POST", "/v1/subjects/alice/unsubscribe-link", R"({"purpose":"ads"})", "application/json", "*/*", write_)
          .status,
      403);
  auto made = [&](std::string body) {
    return Send("POST", "/v1/subjects/alice/unsubscribe-link", std::move(body), "application/json", "*/*", admin_);
  };
  EXPECT_EQ(made(R"({"purpose":"delivery"})").status, 409);
  EXPECT_EQ(made(R"({"purpose":"nope"})").status, 404);
  EXPECT_THAT(made(R"({})").body, HasSubstr("needs `purpose`"));
  EXPECT_THAT(made(R"({"purpose":7})").body, HasSubstr("`purpose`"));
  EXPECT_THAT(made(R"({"purpose":"ads","ttl":"P2Y"})").body, HasSubstr("366 days"));
  EXPECT_THAT(made(R"({"purpose":"ads","extra":1})").body, HasSubstr("unknown key `extra`"));
}

}  // namespace
}  // namespace optin::server
