#include "optin/catalog.h"

#include <gmock/gmock.h>

#include "src/catalog/notices_json.h"
#include "src/common/crypto.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";

std::string Shop() { return ReadFile(kShopPath); }

// The shop catalog with `from` replaced by `to` (which must occur).
std::string ShopWith(const std::string& from, const std::string& to) {
  std::string s = Shop();
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(Catalog, ParsesAValidCatalog) {
  Result<Catalog> c = ParseCatalogFile(kShopPath);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->organization.name, "Example Shop");
  EXPECT_EQ(c->locales, (std::vector<std::string>{"en", "ja"}));
  ASSERT_EQ(c->purposes.size(), 3u);
  const Purpose& ads = c->purposes[1];
  EXPECT_EQ(ads.id, "ads");
  EXPECT_EQ(ads.basis, Basis::kConsent);
  EXPECT_EQ(ads.title.at("ja"), "パーソナライズ広告");
  EXPECT_EQ(ads.retention, "P1Y1M");
  EXPECT_EQ(ads.expires, "P1Y");
  EXPECT_TRUE(ads.sale_or_share);
  EXPECT_EQ(ads.recipients.at(0).role, "processor");
  EXPECT_EQ(ads.notice_version.size(), 64u);
  EXPECT_TRUE(c->FindCategory("clicks")->sensitive);
}

TEST(Catalog, DemoCatalogIsValid) {
  Result<Catalog> c = ParseCatalog(DemoCatalogYaml(), "demo");
  ASSERT_THAT(c, IsOk());
  EXPECT_GE(c->purposes.size(), 7u);
  EXPECT_EQ(c->locales, (std::vector<std::string>{"en", "ja"}));
}

TEST(Catalog, NoticeVersionIsSha256OfTheCanonicalNotice) {
  Catalog c = ParseCatalogFile(kShopPath).value();
  ASSERT_THAT(InitCrypto(), IsOk());
  for (const auto& p : c.purposes) EXPECT_EQ(p.notice_version, ToHex(Sha256(CanonicalNotice(c, p))));
  EXPECT_THAT(CanonicalNotice(c, c.purposes[1]),
              HasSubstr(R"("data":[{"description":{"en":"Pages you clicked on our site.","ja":)"));
}

TEST(Catalog, NoticeVersionChangesWithCustomerVisibleText) {
  Catalog a = ParseCatalog(Shop(), "a").value();
  Catalog b = ParseCatalog(ShopWith("Ads that fit you.", "Ads that fit you better."), "b").value();
  EXPECT_NE(a.FindPurpose("ads")->notice_version, b.FindPurpose("ads")->notice_version);
  EXPECT_EQ(a.FindPurpose("recommendations")->notice_version, b.FindPurpose("recommendations")->notice_version);
  // A data category's text is part of every notice that uses it.
  Catalog d = ParseCatalog(ShopWith("Pages you clicked on our site.", "Pages and links you clicked."), "d").value();
  EXPECT_NE(a.FindPurpose("ads")->notice_version, d.FindPurpose("ads")->notice_version);
  EXPECT_NE(a.FindPurpose("recommendations")->notice_version, d.FindPurpose("recommendations")->notice_version);
  EXPECT_EQ(a.FindPurpose("delivery")->notice_version, d.FindPurpose("delivery")->notice_version);
}

TEST(Catalog, NoticeVersionIgnoresLayoutAndEquivalentDurations) {
  Catalog a = ParseCatalog(Shop(), "a").value();
  std::string s = ShopWith("expires: P12M", "expires: P1Y");
  s = "\n# reformatted\n" + s;
  Catalog b = ParseCatalog(s, "b").value();
  EXPECT_EQ(a.FindPurpose("ads")->notice_version, b.FindPurpose("ads")->notice_version);
}

TEST(Catalog, ReportsUnknownKeyWithLineAndColumn) {
  auto r = ParseCatalog(ShopWith("    sale_or_share: true", "    sale_or_share: true\n    benfit: {en: x, ja: y}"), "c.yaml");
  EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument, HasSubstr("c.yaml:33:5: unknown key `benfit` in purpose `ads`")));
}

TEST(Catalog, ReportsEveryErrorNotJustTheFirst) {
  std::string s = ShopWith("data: [clicks]", "data: [clicks, cookies]");
  s = s.replace(s.find("retention: P13M"), 15, "retention: 13 months");
  s = s.replace(s.find("  recommendations:"), 18, "  Recommendations:");
  auto r = ParseCatalog(s, "c.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("data category `cookies`, which is not declared"),
                                          HasSubstr("`13 months` is not an ISO 8601 duration"),
                                          HasSubstr("purpose id `Recommendations` must start with a lowercase")));
  EXPECT_EQ(std::count(r.status().message().begin(), r.status().message().end(), '\n'), 2);
}

TEST(Catalog, RequiresBenefitDataAndRetentionForConsentPurposes) {
  std::string s = Shop();
  s.replace(s.find("    benefit: {en: Useful"), std::string("    benefit: {en: Useful suggestions., ja: 役立つ提案。}\n").size(), "");
  EXPECT_THAT(ParseCatalog(s, "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("purpose `recommendations` is a consent purpose and needs a `benefit`")));
}

TEST(Catalog, RequiresTextForEveryLocale) {
  EXPECT_THAT(ParseCatalog(ShopWith("title: {en: Orders, ja: 注文}", "title: {en: Orders}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("c.yaml:9:12: data category `orders` `title` has no text for locale `ja`")));
  EXPECT_THAT(ParseCatalog(ShopWith("title: {en: Orders, ja: 注文}", "title: {en: Orders, ja: 注文, fr: Commandes}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("has text for `fr`, which is not in `locales`")));
}

TEST(Catalog, ASingleLocaleCatalogMayUsePlainStrings) {
  auto c = ParseCatalog(
      "organization: {name: X}\nlocales: [en]\ndata_categories:\n  d: {title: Data, description: Some data.}\n"
      "purposes:\n  p: {basis: consent, title: Ads, description: We show ads., benefit: Free service., data: [d], "
      "retention: P1Y}\n",
      "one.yaml");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->purposes[0].title.at("en"), "Ads");
  EXPECT_THAT(ParseCatalog(ShopWith("title: {en: Orders, ja: 注文}", "title: Orders"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("must give the text per locale, as in `{en: ...}`")));
}

TEST(Catalog, RejectsDuplicateIds) {
  std::string s = Shop() + "  ads:\n    basis: necessary\n    title: {en: a, ja: b}\n    description: {en: a, ja: b}\n";
  EXPECT_THAT(ParseCatalog(s, "c.yaml"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate purpose `ads`")));
}

TEST(Catalog, NecessaryPurposeCannotBeSaleOrShare) {
  EXPECT_THAT(ParseCatalog(ShopWith("    retention: P2Y", "    retention: P2Y\n    sale_or_share: true"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("purpose `delivery` is necessary and cannot be `sale_or_share`")));
}

TEST(Catalog, ReadsSignalMappingsAndSettings) {
  Result<Catalog> c = ParseCatalogFile(kShopPath);
  ASSERT_THAT(c, IsOk());
  const PurposeSignals& ads = c->FindPurpose("ads")->signals;
  EXPECT_EQ(ads.tcf_purposes, (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(ads.tcf_vendors, (std::vector<int>{10, 755}));
  EXPECT_EQ(ads.us, (std::vector<std::string>{"sharing", "targeted_advertising"}));
  EXPECT_EQ(ads.consent_mode.size(), 3u);
  EXPECT_TRUE(c->signals.tcf);
  EXPECT_EQ(c->signals.cmp_id, 300);
  EXPECT_EQ(c->signals.publisher_cc, "JP");
  EXPECT_EQ(c->signals.gpp_sections, (std::vector<std::string>{"tcfeuv2", "uspv1", "usnat", "usca"}));
  // Mappings are not part of the notice: a new mapping is no new notice.
  Result<Catalog> without = ParseCatalog(ShopWith("      tcf_vendors: [10, 755]\n", ""), "c.yaml");
  ASSERT_THAT(without, IsOk());
  EXPECT_EQ(without->FindPurpose("ads")->notice_version, c->FindPurpose("ads")->notice_version);
}

TEST(Catalog, RejectsBadSignalMappingsWithTheirPosition) {
  auto fails = [](const std::string& from, const std::string& to, const std::string& message) {
    EXPECT_THAT(ParseCatalog(ShopWith(from, to), "c.yaml"), StatusIs(StatusCode::kInvalidArgument, HasSubstr(message)));
  };
  fails("tcf_purposes: [1, 3, 4]", "tcf_purposes: [1, 30]",
        "c.yaml:34:25: purpose `ads` `signals` `tcf_purposes` entries must be whole numbers from 1 to 24");
  fails("tcf_vendors: [10, 755]", "tcf_vendors: [10, 10]", "`tcf_vendors` lists 10 twice");
  fails("us: [sharing, targeted_advertising]", "us: [sharing, selling]",
        "c.yaml:36:21: purpose `ads` `signals` `us`: unknown `selling` (expected one of: sale, sharing,");
  fails("consent_mode: [ad_storage, ad_user_data", "consent_mode: [cookies, ad_user_data",
        "`consent_mode`: unknown `cookies`");
  // A necessary purpose stands in for no one's consent.
  fails("signals: {consent_mode: [functionality_storage]}", "signals: {consent_mode: [ad_storage]}",
        "purpose `delivery` is necessary and cannot grant Consent Mode `ad_storage`");
  fails("signals: {consent_mode: [functionality_storage]}", "signals: {tcf_purposes: [1]}",
        "purpose `delivery` is necessary and cannot map to `tcf_purposes`");
  // GPC must reach whatever maps to US sale, sharing or targeted advertising.
  fails("tcf_purposes: [1, 5, 6], tcf_vendors: [755], ", "us: [sale], ",
        "purpose `recommendations` maps to US `sale` and must be `sale_or_share: true`");
  fails("  tcf: {cmp_id: 300, cmp_version: 2, vendor_list_version: 150, publisher_cc: JP}\n", "",
        "purpose `ads` maps to TCF, which needs a `signals.tcf` block");
  fails("cmp_id: 300", "cmp_id: 1", "`signals.tcf.cmp_id` must be a whole number from 2 to 4095");
  fails("gpp_sections: [tcfeuv2, uspv1, usnat, usca]", "gpp_sections: []", "`signals.gpp_sections` is empty");
  fails("publisher_cc: JP", "publisher_cc: Japan", "`signals.tcf.publisher_cc` must be two capital letters");
  fails("gpp_sections: [tcfeuv2, uspv1, usnat, usca]", "gpp_sections: [usnat, usva]",
        "`signals.gpp_sections`: unknown `usva` (expected one of: tcfeuv2, uspv1, usnat, usca)");
  fails("signals:\n  tcf:", "signals:\n  tfc:", "unknown key `tfc` in `signals`");
}

TEST(Catalog, RejectsWrongTypes) {
  EXPECT_THAT(ParseCatalog(ShopWith("sensitive: true", "sensitive: maybe"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`sensitive` must be `true` or `false`")));
  EXPECT_THAT(ParseCatalog(ShopWith("locales: [en, ja]", "locales: en"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("c.yaml:3:10: `locales` must be a list")));
  EXPECT_THAT(ParseCatalog(ShopWith("basis: consent", "basis: [consent]"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`basis` must be a string")));
}

TEST(Catalog, RejectsMalformedYamlWithPosition) {
  EXPECT_THAT(ParseCatalog("organization: {name: x\nlocales: [en", "bad.yaml"),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("bad.yaml:"), HasSubstr("malformed YAML"))));
  EXPECT_THAT(ParseCatalog("", "empty.yaml"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty.yaml:1:1: the file is empty")));
  EXPECT_THAT(ParseCatalog("- a\n- b\n", "list.yaml"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be a mapping")));
}

TEST(Catalog, RejectsInvalidUtf8AndBinary) {
  EXPECT_THAT(ParseCatalog("organization:\n  name: caf\xe9\n", "latin1.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("latin1.yaml:2:12: the file is not valid UTF-8")));
  EXPECT_THAT(ParseCatalog(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), "a.out"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("NUL byte")));
}

TEST(Catalog, RejectsHugeFiles) {
  optin::testing::TempDir dir;
  std::string path = dir.Write("huge.yaml", std::string(kMaxCatalogBytes + 1, '#'));
  EXPECT_THAT(ParseCatalogFile(path), StatusIs(StatusCode::kResourceExhausted, HasSubstr("at most 4194304 bytes")));
  EXPECT_THAT(ParseCatalogFile(dir.File("missing.yaml")), StatusIs(StatusCode::kNotFound, HasSubstr("no such file")));
}

TEST(Catalog, RefusesAliasBombs) {
  std::string s = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 0; i < 8; ++i) {
    s += std::string(1, static_cast<char>('b' + i)) + ": &" + std::string(1, static_cast<char>('b' + i)) + " [";
    for (int k = 0; k < 10; ++k) s += std::string(k ? ", *" : "*") + std::string(1, static_cast<char>('a' + i));
    s += "]\n";
  }
  s += "organization: *i\n";
  EXPECT_THAT(ParseCatalog(s, "bomb.yaml"), Not(IsOk()));
}

TEST(Catalog, RefusesDeepNesting) {
  std::string s = "organization: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_THAT(ParseCatalog(s, "deep.yaml"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("deep.yaml:")));
}

TEST(NoticesJson, RendersOneLocale) {
  Catalog c = ParseCatalogFile(kShopPath).value();
  std::string ja = NoticesJson(c, "ja");
  EXPECT_THAT(ja, HasSubstr(R"("locale":"ja")"));
  EXPECT_THAT(ja, HasSubstr(R"("title":"パーソナライズ広告")"));
  EXPECT_THAT(ja, HasSubstr(R"("retention":"P1Y1M","expires":"P1Y","sale_or_share":true)"));
}

}  // namespace
}  // namespace optin
