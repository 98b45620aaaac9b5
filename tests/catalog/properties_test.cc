// The catalog's `properties` section (the websites of the embed): what it
// declares, and the lint, each error at its FILE:LINE:COL.
#include <gmock/gmock.h>

#include "optin/catalog.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The demo catalog with `from` (which must occur once) replaced by `to`.
std::string With(const std::string& from, const std::string& to) {
  std::string s(DemoCatalogYaml());
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(s.find(from, at + 1), std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// `d.yaml:LINE:`, LINE being where `needle` is in `text`.
std::string At(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return "d.yaml:" + std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + ":";
}

std::string Errors(const std::string& text) {
  Result<Catalog> c = ParseCatalog(text, "d.yaml");
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.status().message();
}

TEST(Properties, TheDemoShopDeclaresItsOriginsPurposesAndTags) {
  Result<Catalog> c = ParseCatalog(DemoCatalogYaml(), "d.yaml");
  ASSERT_THAT(c, IsOk());
  const Property* shop = c->FindProperty("shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_THAT(shop->origins, ElementsAre("http://127.0.0.1:8080"));
  EXPECT_EQ(shop->cookie_domain, "127.0.0.1");
  EXPECT_THAT(shop->purposes, ElementsAre("product_analytics", "personalized_offers", "ad_targeting"));
  ASSERT_NE(shop->TagsOf("ad_targeting"), nullptr);
  EXPECT_THAT(shop->TagsOf("ad_targeting")->hosts, ElementsAre("ads.example.net", "*.ads.example.net"));
  EXPECT_THAT(shop->TagsOf("product_analytics")->cookies, ElementsAre("_ea_id", "_ea_session_*"));
  EXPECT_THAT(shop->TagsOf("product_analytics")->storage, ElementsAre("ea_queue"));
  EXPECT_EQ(shop->TagsOf("personalized_offers"), nullptr);
  EXPECT_EQ(shop->default_locale, "en");
  EXPECT_TRUE(shop->tcf);
  EXPECT_THAT(shop->gpp_sections, ElementsAre("tcfeuv2", "usnat"));
  EXPECT_EQ(shop->visitor_retention, "P1Y1M");  // canonical
  EXPECT_EQ(c->FindProperty("blog"), nullptr);
}

TEST(Properties, AreNotPartOfAnyNotice) {
  Result<Catalog> before = ParseCatalog(DemoCatalogYaml(), "d.yaml");
  Result<Catalog> after = ParseCatalog(With("cookies: [_ean]", "cookies: [_ean, _fbp]"), "d.yaml");
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  for (size_t i = 0; i < before->purposes.size(); ++i) {
    EXPECT_EQ(before->purposes[i].notice_version, after->purposes[i].notice_version);
  }
}

TEST(Properties, DefaultsAreTheFirstLocaleThirteenMonthsAndNoSignals) {
  const std::string text = With(R"(    default_locale: en
    tcf: true
    gpp_sections: [tcfeuv2, usnat]
    visitor_retention: P13M
)", "");
  Result<Catalog> c = ParseCatalog(text, "d.yaml");
  ASSERT_THAT(c, IsOk());
  const Property& shop = *c->FindProperty("shop");
  EXPECT_EQ(shop.default_locale, "en");
  EXPECT_FALSE(shop.tcf);
  EXPECT_TRUE(shop.gpp_sections.empty());
  EXPECT_EQ(shop.visitor_retention, "P1Y1M");
}

TEST(Properties, AnOriginMustBeHttpsWithoutAPath) {
  for (const std::string bad : {"http://shop.example", "https://shop.example/", "https://shop.example/path",
                                "shop.example", "https://Shop.example", "https://shop.example:99999"}) {
    const std::string text = With("origins: [http://127.0.0.1:8080]", "origins: [\"" + bad + "\"]");
    EXPECT_THAT(Errors(text), HasSubstr(At(text, "origins:") + "15: property `shop` `origins`: `" + bad +
                                        "` is not an origin"))
        << bad;
  }
}

TEST(Properties, TheCookieDomainMustCoverEveryOrigin) {
  const std::string text = With("origins: [http://127.0.0.1:8080]",
                                "origins: [https://shop.example, https://www.shop.example, https://shop.other]");
  const std::string errors = Errors(With("origins: [http://127.0.0.1:8080]\n    cookie_domain: 127.0.0.1",
                                         "origins: [https://shop.example, https://www.shop.example, "
                                         "https://shop.other]\n    cookie_domain: shop.example"));
  EXPECT_THAT(errors, HasSubstr("`cookie_domain` `shop.example` does not cover origin `https://shop.other`"));
  EXPECT_THAT(errors, ::testing::Not(HasSubstr("origin `https://www.shop.example`")));
  EXPECT_THAT(Errors(With("cookie_domain: 127.0.0.1", "cookie_domain: com")),
              HasSubstr("`cookie_domain` `com` must be a lowercase domain of at least two labels"));
  EXPECT_THAT(Errors(text), HasSubstr("`cookie_domain` `127.0.0.1` does not cover origin `https://shop.example`"));
}

TEST(Properties, PurposesMustExistAndTagsBelongToThem) {
  std::string text = With("purposes: [product_analytics, personalized_offers, ad_targeting]",
                          "purposes: [product_analytics, ad_targetting]");
  std::string errors = Errors(text);
  EXPECT_THAT(errors, HasSubstr("property `shop` shows purpose `ad_targetting`, which is not in `purposes`; did you "
                                "mean `ad_targeting`?"));
  // Its tags then name a purpose the site does not show.
  EXPECT_THAT(errors, HasSubstr(At(text, "      ad_targeting:") + "7: property `shop` has tags for `ad_targeting`, "
                                                                    "which is not one of its `purposes`"));
}

TEST(Properties, AHostServesOnePurposeAndNamesAreChecked) {
  std::string text = With("hosts: [analytics.example.com]", "hosts: [ads.example.net, \"bad host\"]");
  std::string errors = Errors(text);
  EXPECT_THAT(errors, HasSubstr("host `ads.example.net` is declared for `product_analytics` already"));
  EXPECT_THAT(errors, HasSubstr("`bad host` is not a host name"));
  EXPECT_THAT(Errors(With("cookies: [_ean]", "cookies: [\"a;b\", \"*\"]")),
              HasSubstr("`a;b` is not a cookie or storage name"));
  EXPECT_THAT(Errors(With("storage: [ea_queue]", "storage: [ea_queue, ea_queue]")),
              HasSubstr("`storage` lists `ea_queue` twice"));
}

TEST(Properties, SignalsMustBeOnesTheCatalogMakes) {
  EXPECT_THAT(Errors(With("gpp_sections: [tcfeuv2, usnat]\n", "gpp_sections: [usnat, usva]\n")),
              HasSubstr("`gpp_sections`: the catalog's signals do not make `usva`"));
  std::string no_tcf = With(R"(  tcf:
    cmp_id: 300
    cmp_version: 1
    vendor_list_version: 150
    publisher_cc: US
  gpp_sections: [tcfeuv2, uspv1, usnat, usca])", "  gpp_sections: [uspv1, usnat, usca]");
  // The demo's purposes map to TCF too; only the property's error matters here.
  EXPECT_THAT(Errors(no_tcf), HasSubstr("property `shop` `tcf: true` needs the catalog's `signals.tcf` block"));
}

TEST(Properties, UnknownKeysLocalesAndDurationsAreReported) {
  std::string text = With("visitor_retention: P13M", "visitor_retention: 13 months\n    cookie_domian: x");
  std::string errors = Errors(text);
  EXPECT_THAT(errors, HasSubstr("`visitor_retention`"));
  EXPECT_THAT(errors, HasSubstr(At(text, "cookie_domian") + "5: unknown key `cookie_domian` in property `shop`"));
  EXPECT_THAT(Errors(With("default_locale: en", "default_locale: fr")),
              HasSubstr("`default_locale` `fr` is not one of the catalog's `locales`"));
  EXPECT_THAT(Errors(With("  shop:\n    origins", "  Shop:\n    origins")), HasSubstr("property id `Shop` must"));
}

}  // namespace
}  // namespace optin
