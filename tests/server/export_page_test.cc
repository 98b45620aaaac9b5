// The customer's copy of their record as a page (export?format=html): it
// reads like the preference center, in the customer's language; its
// receipts still verify; no command line in sight.
#include "src/server/export_page.h"

#include <gmock/gmock.h>

#include <regex>

#include "optin/proof.h"
#include "src/engine/wire_json.h"
#include "tests/support/http_client.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::server::ExportPage;
using ::optin::testing::Http;
using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;

// Pages are long: on failure, show what was looked for, not the page.
#define EXPECT_PAGE_HAS(page, text) EXPECT_NE((page).find(text), std::string::npos) << "missing: " << (text)
#define EXPECT_PAGE_LACKS(page, text) EXPECT_EQ((page).find(text), std::string::npos) << "present: " << (text)

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

class ExportPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(NewMemoryStore(), {.store = "memory:", .mode = StoreOpenMode::kCreate,
                                             .clock = [] { return int64_t{1'795'000'000'000'000}; }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
    WriteContext ctx{.channel = "web", .actor = "test", .evidence = ""};
    ASSERT_THAT(engine_->Publish(ParseCatalog(kShop, "shop.yaml").value(), {}, ctx), IsOk());
    std::vector<std::string> ads = {"ads"};
    ASSERT_THAT(engine_->Grant("alice <b>", ads, ctx), IsOk());
    ASSERT_THAT(engine_->Withdraw("alice <b>", ads, ctx), IsOk());
  }
  std::string Page(std::string_view locale, server::ExportPageOptions options = {}) {
    auto data = engine_->Export("alice <b>", locale);
    EXPECT_THAT(data, IsOk());
    return ExportPage(*data, options);
  }
  std::unique_ptr<Engine> engine_;
};

TEST_F(ExportPageTest, ReadsLikeThePreferenceCenter) {
  const std::string page = Page("en");
  EXPECT_PAGE_HAS(page, "<h1>Everything Example Shop holds about you</h1>");
  // Titles, not ids; choices, actions and channels in words; ids escaped.
  EXPECT_PAGE_HAS(page, "customer ID alice &lt;b&gt;, made on 2026-11-18 11:06 UTC");
  EXPECT_PAGE_HAS(page, "<tr><td>Personalized ads</td><td>You said no</td></tr>");
  EXPECT_PAGE_HAS(page, "<tr><td>Recommendations</td><td>You have not decided</td></tr>");
  EXPECT_PAGE_HAS(page, "<tr><td>Delivering your order</td><td>Needed to provide the service</td></tr>");
  EXPECT_PAGE_HAS(page, "<td>Personalized ads</td><td>You said yes</td><td>This page</td>");
  // The notice as it was read, not as a hash-encoded document.
  EXPECT_PAGE_HAS(page, "<p>We show you ads based on your clicks.</p>");
  EXPECT_PAGE_HAS(page, "<dt>How long we keep it</dt><dd>1 year 1 month</dd>");
  EXPECT_PAGE_HAS(page, "<dd>Example Ads — handles the data only on our behalf<br>");
  // Outside the receipt files themselves, no codes and no command line.
  const std::string words = std::regex_replace(page, std::regex("<pre>[^<]*</pre>"), "");
  for (const char* raw : {"no_consent", "withdrawn", "necessary</td>", "&quot;basis&quot;", "optin receipt", "--key"}) {
    EXPECT_PAGE_LACKS(words, raw);
  }
  EXPECT_PAGE_HAS(page, "open your privacy choices page and choose &quot;Check this receipt&quot;");
  EXPECT_PAGE_LACKS(page, "font-style");
}

TEST_F(ExportPageTest, JapaneseIsJapaneseThroughout) {
  const std::string page = Page("ja-JP");
  EXPECT_PAGE_HAS(page, "<html lang=\"ja\">");
  EXPECT_PAGE_HAS(page, "<h1>Example Shopが保有しているお客様の情報のすべて</h1>");
  EXPECT_PAGE_HAS(page, "（2026年11月18日 11:06（UTC）作成）");
  EXPECT_PAGE_HAS(page, "<tr><td>パーソナライズ広告</td><td>「いいえ」を選ばれています</td></tr>");
  EXPECT_PAGE_HAS(page, "<dd>1年1か月</dd>");
  EXPECT_PAGE_HAS(page, "「「はい」を選ばれました」の受領証：パーソナライズ広告、2026年11月18日 11:06（UTC）");
  EXPECT_PAGE_LACKS(page, "You said");
}

TEST_F(ExportPageTest, EveryReceiptInThePageStillVerifies) {
  const std::string page = Page("en");
  std::regex pre("<pre>(.*?)</pre>");
  int receipts = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), pre); it != std::sregex_iterator(); ++it) {
    std::string file = (*it)[1];
    for (auto [from, to] : {std::pair<std::string, std::string>{"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"},
                            {"&gt;", ">"}, {"&amp;", "&"}}) {
      for (size_t at = file.find(from); at != std::string::npos; at = file.find(from, at + to.size())) {
        file.replace(at, from.size(), to);
      }
    }
    auto v = VerifyReceipt(file, std::nullopt);
    ASSERT_THAT(v, IsOk());
    EXPECT_TRUE(v->ok);
    ++receipts;
  }
  EXPECT_EQ(receipts, 2);
  EXPECT_PAGE_HAS(page, "<summary>Receipt for &quot;You said no&quot;: Personalized ads, 2026-11-18 11:06 UTC</summary>");
}

TEST_F(ExportPageTest, TheCustomersOwnLinkLeadsBackToThePage) {
  const std::string page = Page("en", {.page_url = "https://privacy.shop.example/p/TOKEN", .page_expires = 1'795'600'000'000'000});
  EXPECT_PAGE_HAS(page, "<a href=\"https://privacy.shop.example/p/TOKEN\">Open your privacy choices page</a> "
                        "(this link works until 2026-11-25 09:46 UTC)");
  EXPECT_PAGE_LACKS(Page("en"), "<a href");
}

// With recipients: who was told of each change, and whether they confirmed.
TEST(ExportPageRecipients, SaysWhoWasToldAndWhoConfirmedInTheCustomersLanguage) {
  int64_t now = 1'795'000'000'000'000;
  auto e = Engine::Open(NewMemoryStore(), {.clock = [&now] { return now; }});
  ASSERT_THAT(e, IsOk());
  Engine& engine = **e;
  const WriteContext ctx{.channel = "web", .actor = "test", .evidence = ""};
  auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
  ASSERT_THAT(catalog, IsOk());
  ASSERT_THAT(engine.Publish(*catalog, {}, ctx), IsOk());
  ASSERT_THAT(engine.CurrentWebhookSecret("example_ads"), IsOk());
  const std::vector<std::string> ads = {"ads"};
  ASSERT_THAT(engine.Grant("alice", ads, ctx), IsOk());
  ASSERT_THAT(engine.Withdraw("alice", ads, ctx), IsOk());
  const WebhookSender ok = [](const std::string&, const std::vector<std::pair<std::string, std::string>>&,
                              const std::string&) { return SendOutcome{.http_status = 204}; };
  ASSERT_THAT(engine.DeliverDue(ok, 10, 60'000'000), IsOk());
  ASSERT_THAT(engine.DeliverDue(ok, 10, 60'000'000), IsOk());
  now += 3'600'000'000;  // an hour later the ad network confirms
  const DeliveryAck ack[] = {{"3.example_ads", "stopped", 0}};
  ASSERT_THAT(engine.ConfirmDeliveries("example_ads", ack), IsOk());
  auto data = engine.Export("alice", "en");
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->deliveries.size(), 4u);
  const std::string en = server::ExportPage(*data);
  EXPECT_PAGE_HAS(en, "<h2>Who we told</h2>");
  EXPECT_PAGE_HAS(en, "<td>Example Ads</td><td>You said no: Personalized ads</td>");
  EXPECT_PAGE_HAS(en, "Confirmed it stopped on 2026-11-18 ");
  EXPECT_PAGE_HAS(en, "<td>Example Exchange</td><td>You said no: Personalized ads</td>");
  EXPECT_PAGE_HAS(en, "Not confirmed yet (due by 2026-11-19 ");
  EXPECT_PAGE_HAS(en, "No confirmation needed");
  data = engine.Export("alice", "ja");
  const std::string ja = server::ExportPage(*data);
  EXPECT_PAGE_HAS(ja, "<h2>お知らせした相手</h2>");
  EXPECT_PAGE_HAS(ja, "<td>エグザンプル広告</td>");
  EXPECT_PAGE_HAS(ja, "に利用をやめたことを確認");
  // The export's JSON carries them too.
  EXPECT_PAGE_HAS(ExportJson(*data), R"("deliveries":[{"delivery":"2.example_ads","recipient":"example_ads",)"
                                     R"("name":"エグザンプル広告","action":"grant")");
}

// With usage: who used the data, for what, on how many days each month.
TEST(ExportPageUsage, SaysWhoUsedTheDataOnHowManyDaysEachMonth) {
  int64_t now = 1'793'577'600'000'000;  // 2026-11-02T00:00:00Z
  auto e = Engine::Open(NewMemoryStore(), {.clock = [&now] { return now; }});
  ASSERT_THAT(e, IsOk());
  Engine& engine = **e;
  auto catalog = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"), "r.yaml");
  ASSERT_THAT(catalog, IsOk());
  ASSERT_THAT(engine.Publish(*catalog, {}, {.channel = "cli"}), IsOk());
  ASSERT_THAT(engine.Grant("alice", std::vector<std::string>{"ads"}, {.channel = "web"}), IsOk());
  for (int day = 0; day < 40; day += 3) {  // 2 Nov to 11 Dec, every third day
    engine.Check("alice", "ads", "example_exchange");
    now += 3 * int64_t{86'400'000'000};
  }
  engine.Check("alice", "ads");
  ASSERT_THAT(engine.FlushUsage(), IsOk());
  auto data = engine.Export("alice", "en");
  ASSERT_THAT(data, IsOk());
  const std::string en = server::ExportPage(*data);
  EXPECT_PAGE_HAS(en, "<h2>How your data was used</h2>");
  EXPECT_PAGE_HAS(en, "<li>Example Exchange used your data (Clicks) for Personalized ads on 4 days in December "
                      "2026.</li><li>Example Exchange used your data (Clicks) for Personalized ads on 10 days in "
                      "November 2026.</li>");
  EXPECT_PAGE_HAS(en, "<li>Example Shop used your data (Clicks) for Personalized ads on 1 day in December 2026.</li>");
  data = engine.Export("alice", "ja");
  const std::string ja = server::ExportPage(*data);
  EXPECT_PAGE_HAS(ja, "<li>エグザンプル取引所は、2026年11月に10日、「パーソナライズ広告」のためにお客様のデータ（クリック）を利用しました。</li>");
  EXPECT_PAGE_HAS(ExportJson(*data), R"("usage":[{"purpose":"ads","title":"パーソナライズ広告","recipient":null,)");
}

}  // namespace
}  // namespace optin
