// The embed's server side: the choice a page posts (refused whole when
// anything in it is wrong), the visitor's id and cookies, and the config.
#include <gmock/gmock.h>

#include "src/embed/embed.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin::embed {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EmbedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Catalog> c = ParseCatalog(DemoCatalogYaml(), "demo.yaml");
    ASSERT_THAT(c, IsOk());
    catalog_ = *std::move(c);
    shop_ = catalog_.FindProperty("shop");
    ASSERT_NE(shop_, nullptr);
  }
  Result<VisitorChoice> Parse(std::string_view body) { return ParseVisitorChoice(body, catalog_, *shop_); }

  Catalog catalog_;
  const Property* shop_ = nullptr;
};

TEST_F(EmbedTest, AChoiceNamesShownConsentPurposesOnce) {
  Result<VisitorChoice> c = Parse(
      R"({"granted":["product_analytics"],"declined":["ad_targeting","personalized_offers"],"key":"k-1_A",)"
      R"("locale":"ja","gpc":true})");
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(c->granted, ElementsAre("product_analytics"));
  EXPECT_THAT(c->declined, ElementsAre("ad_targeting", "personalized_offers"));
  EXPECT_EQ(c->key, "k-1_A");
  EXPECT_EQ(c->locale, "ja");
  EXPECT_TRUE(c->gpc);
  EXPECT_FALSE(c->gpc_conflict_acknowledged);
}

TEST_F(EmbedTest, ABadChoiceIsRefusedWithWhatIsWrong) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {R"({"granted":["location_sharing"],"key":"k"})", "`granted[0]` names `location_sharing`, which property `shop` does not show"},
      {R"({"granted":["service"],"key":"k"})", "does not show"},
      {R"({"granted":["ad_targeting"],"declined":["ad_targeting"],"key":"k"})", "`declined[0]` names `ad_targeting` a second time"},
      {R"({"granted":["ad_targeting","ad_targeting"],"key":"k"})", "a second time"},
      {R"({"granted":["ad_targeting"]})", "needs `key`"},
      {R"({"granted":["ad_targeting"],"key":""})", "`key` must be 1 to 64"},
      {R"({"granted":["ad_targeting"],"key":"a b"})", "`key` must be 1 to 64"},
      {R"({"granted":[],"declined":[],"key":"k"})", "names no purpose"},
      {R"({"granted":["ad_targeting"],"key":"k","colour":1})", "unknown key `colour`"},
      {R"({"granted":["ad_targeting"],"key":"k","key":"j"})", "key"},
      {R"({"granted":"ad_targeting","key":"k"})", "must be a list"},
      {R"({"granted":[1],"key":"k"})", "`granted[0]`"},
      {R"([])", "object"},
      {R"({"granted":["ad_targeting"],"key":"k")", "not valid JSON"},
      {"", "not valid JSON"},
  };
  for (const auto& [body, error] : cases) {
    EXPECT_THAT(Parse(body), StatusIs(StatusCode::kInvalidArgument, HasSubstr(std::string(error)))) << body;
  }
  // A key past 64 characters.
  EXPECT_THAT(Parse(R"({"granted":["ad_targeting"],"key":")" + std::string(65, 'a') + R"("})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1 to 64")));
}

TEST(Visitor, IdsAreRandomAndOnlyTheirOwnFormIsTaken) {
  const std::string a = NewVisitorId("shop"), b = NewVisitorId("shop");
  EXPECT_NE(a, b);
  EXPECT_THAT(a, ::testing::MatchesRegex("visitor:shop:[A-Za-z0-9_-]{22}"));
  EXPECT_TRUE(IsVisitorId(a));
  EXPECT_TRUE(IsVisitorId(a, "shop"));
  EXPECT_FALSE(IsVisitorId(a, "blog"));  // another property's visitor is a new one here
  EXPECT_EQ(VisitorProperty(a), "shop");
  for (std::string_view forged :
       {"alice", "visitor:", "visitor:shop:", "visitor:shop:short", "visitor:shop:AAAAAAAAAAAAAAAAAAAAA=",
        "Visitor:shop:AAAAAAAAAAAAAAAAAAAAAA", "visitor:shop:AAAAAAAAAAAAAAAAAAAAAA\n",
        "visitor::AAAAAAAAAAAAAAAAAAAAAA", "visitor:Shop:AAAAAAAAAAAAAAAAAAAAAA", "visitor:AAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_FALSE(IsVisitorId(forged)) << forged;
    EXPECT_EQ(VisitorProperty(forged), "") << forged;
  }
}

TEST(Visitor, CookiesAreReadByExactName) {
  const std::string header = "optin_vidx=1; optin_vid=visitor:abc;  other=2; optin_state=a=1&_c=0";
  EXPECT_EQ(CookieValue(header, "optin_vid"), "visitor:abc");
  EXPECT_EQ(CookieValue(header, "optin_state"), "a=1&_c=0");
  EXPECT_EQ(CookieValue(header, "missing"), std::nullopt);
  EXPECT_EQ(CookieValue("", "optin_vid"), std::nullopt);
  EXPECT_EQ(CookieValue("optin_vid", "optin_vid"), std::nullopt);
}

TEST_F(EmbedTest, CookiesAreSecureOnTheCookieDomainExceptOnALoopbackDevelopersHost) {
  // The demo shop is http://127.0.0.1:8080: a host-only cookie.
  EXPECT_EQ(SetCookie(*shop_, kVisitorCookie, "visitor:x", 60, true),
            "optin_vid=visitor:x; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
  Property live = *shop_;
  live.origins = {"https://www.shop.example"};
  live.cookie_domain = "shop.example";
  EXPECT_EQ(SetCookie(live, kStateCookie, "a=1", 0, false),
            "optin_state=a=1; Path=/; Max-Age=0; Domain=shop.example; Secure; SameSite=Lax");
  // Thirteen calendar months from 2026-12-05: 2028-01-05.
  EXPECT_EQ(VisitorRetentionSeconds(*shop_, 1796428800LL * 1'000'000), (1830643200LL - 1796428800LL));
}

TEST_F(EmbedTest, TheStateCookieSaysEachShownPurposeAndTheConsentModeTypes) {
  std::vector<PurposeDecision> d = {
      {.purpose = "service", .decision = {.allowed = true, .reason = Reason::kNecessary}},
      {.purpose = "product_analytics", .decision = {.allowed = true, .reason = Reason::kGranted}},
      {.purpose = "ad_targeting", .decision = {.allowed = false, .reason = Reason::kWithdrawn}},
  };
  const std::string state = StateCookieValue(catalog_, *shop_, d, 1'700'000'000LL * 1'000'000);
  // functionality_storage (service, bit 4) and analytics_storage (bit 3).
  EXPECT_EQ(state, "product_analytics=1&personalized_offers=0&ad_targeting=0&_c=24&_n=" +
                       NoticesTag(catalog_, *shop_) + "&_t=1700000000");
}

TEST_F(EmbedTest, TheNoticesTagChangesWithAnyNoticeShown) {
  const std::string before = NoticesTag(catalog_, *shop_);
  EXPECT_THAT(before, ::testing::MatchesRegex("[0-9a-f]{8}"));
  Catalog changed = catalog_;
  changed.purposes[3].notice_version = std::string(64, '0');
  EXPECT_NE(NoticesTag(changed, *changed.FindProperty("shop")), before);
}

TEST_F(EmbedTest, TheConfigHoldsTheNoticesTagsAndTextsInOneLanguage) {
  const std::string json = ConfigJson(catalog_, *shop_, "ja", "/v1/embed/ui.1.js", "/v1/embed/ui.1.css");
  ::optin::testing::JsonDoc doc(json);
  EXPECT_EQ(doc.Str("/property"), "shop");
  EXPECT_EQ(doc.Str("/locale"), "ja");
  EXPECT_EQ(doc.Str("/notices"), NoticesTag(catalog_, *shop_));
  EXPECT_EQ(doc.Str("/purposes/2/id"), "ad_targeting");
  EXPECT_EQ(doc.Str("/purposes/2/title"), "パーソナライズ広告");
  EXPECT_EQ(doc.Str("/purposes/2/hosts/1"), "*.ads.example.net");
  EXPECT_EQ(doc.Str("/purposes/0/storage/0"), "ea_queue");
  EXPECT_EQ(doc.Str("/texts/accept_all"), "すべて同意する");
  EXPECT_EQ(doc.Str("/ui/script"), "/v1/embed/ui.1.js");
  EXPECT_EQ(doc.At("/tcf/cmp_id"), "300");
}

TEST_F(EmbedTest, APropertySpeaksOnlyItsOwnSignals) {
  SubjectSignals signals = SignalsFor(catalog_, {}, 1'700'000'000LL * 1'000'000);
  ASSERT_TRUE(signals.gpp.uspv1.has_value());
  ASSERT_TRUE(signals.gpp.usca.has_value());
  KeepPropertySignals(signals, *shop_);  // tcf, and GPP tcfeuv2 and usnat
  EXPECT_TRUE(signals.tc.has_value());
  EXPECT_EQ(GppSectionIds(signals.gpp), (std::vector<int>{2, 7}));
  Property quiet = *shop_;
  quiet.tcf = false;
  quiet.gpp_sections = {};
  KeepPropertySignals(signals, quiet);
  EXPECT_FALSE(signals.tc.has_value());
  EXPECT_TRUE(GppSectionIds(signals.gpp).empty());
  EXPECT_THAT(EncodeGppString(signals.gpp), IsOk());
}

// An engine on a memory store with the demo catalog and a clock the test moves.
class VisitorsTest : public EmbedTest {
 protected:
  void SetUp() override {
    EmbedTest::SetUp();
    Result<std::unique_ptr<Engine>> e =
        Engine::Open({.store = "memory:", .mode = StoreOpenMode::kCreate, .clock = [this] { return now_; }});
    ASSERT_THAT(e, IsOk());
    engine_ = *std::move(e);
    ASSERT_THAT(engine_->Publish(catalog_, {}, {.channel = "cli"}), IsOk());
  }
  void Choose(const std::string& subject, std::vector<std::string> granted) {
    ASSERT_THAT(engine_->Choose(subject, {.action = Action::kGrant, .purposes = std::move(granted)}, {.channel = "web"}),
                IsOk());
  }

  int64_t now_ = 1796428800LL * 1'000'000;  // 2026-12-05
  std::unique_ptr<Engine> engine_;
};

TEST_F(VisitorsTest, LinkingErasesTheVisitorAndHandsTheBrowserTheAccountsChoices) {
  const std::string visitor = NewVisitorId("shop");
  Choose(visitor, {"ad_targeting"});
  Choose("customer-42", {"product_analytics"});
  Result<LinkedVisitor> linked = LinkVisitor(*engine_, catalog_, *shop_, visitor, "customer-42");
  ASSERT_THAT(linked, IsOk());
  EXPECT_TRUE(linked->visitor_erased);
  // Nothing was merged: the visitor's yes went with its record.
  EXPECT_EQ(engine_->Decide(visitor, "ad_targeting").reason, Reason::kNoConsent);
  EXPECT_EQ(engine_->Decide("customer-42", "ad_targeting").reason, Reason::kNoConsent);
  ASSERT_EQ(linked->cookies.size(), 2u);
  EXPECT_THAT(linked->cookies[0], ::testing::StartsWith("optin_vid=account."));
  EXPECT_THAT(linked->cookies[0], HasSubstr("; HttpOnly"));
  EXPECT_THAT(linked->cookies[1], ::testing::StartsWith(
                                      "optin_state=product_analytics=1&personalized_offers=0&ad_targeting=0&"));
  // The browser's cookie now stands for the account; forged ones for nobody.
  const std::string cookie = linked->cookies[0].substr(10, linked->cookies[0].find(';') - 10);
  EXPECT_EQ(CookieSubject(*engine_, cookie, "shop"), "customer-42");
  EXPECT_EQ(CookieSubject(*engine_, "account.forged", "shop"), std::nullopt);
  EXPECT_EQ(CookieSubject(*engine_, "customer-42", "shop"), std::nullopt);
  // Linking again (the cookie of a visitor with no record) erases nothing.
  linked = LinkVisitor(*engine_, catalog_, *shop_, NewVisitorId("shop"), "customer-42");
  ASSERT_THAT(linked, IsOk());
  EXPECT_FALSE(linked->visitor_erased);
  EXPECT_THAT(LinkVisitor(*engine_, catalog_, *shop_, "customer-7", "customer-42"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("is not a visitor id of property `shop`")));
  EXPECT_THAT(LinkVisitor(*engine_, catalog_, *shop_, NewVisitorId("shop"), NewVisitorId("shop")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("a visitor id itself")));
}

TEST_F(VisitorsTest, AVisitorsRecordIsErasedOnceItsRetentionHasPassedSinceItsLastEvent) {
  const std::string early = NewVisitorId("shop"), late = NewVisitorId("shop");
  Choose(early, {"ad_targeting"});
  Choose("customer-1", {"ad_targeting"});  // an account: never swept
  now_ += int64_t{200} * 86400 * 1'000'000;
  Choose(late, {"product_analytics"});
  // 13 months after the first: only the early visitor has lapsed.
  now_ = 1830643200LL * 1'000'000;
  Result<size_t> erased = EraseLapsedVisitors(*engine_, now_);
  ASSERT_THAT(erased, IsOk());
  EXPECT_EQ(*erased, 1u);
  EXPECT_TRUE(engine_->History(early)->empty());
  EXPECT_EQ(engine_->History(late)->size(), 1u);
  EXPECT_EQ(engine_->Decide("customer-1", "ad_targeting").reason, Reason::kExpired);  // lapsed, but kept
  EXPECT_EQ(engine_->History("customer-1")->size(), 1u);
  // A second sweep finds nothing more; a year later, the late one goes too.
  EXPECT_EQ(*EraseLapsedVisitors(*engine_, now_), 0u);
  now_ += int64_t{366} * 86400 * 1'000'000;
  EXPECT_EQ(*EraseLapsedVisitors(*engine_, now_), 1u);
  EXPECT_TRUE(engine_->History(late)->empty());
}

}  // namespace
}  // namespace optin::embed
