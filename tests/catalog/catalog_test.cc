#include "optin/catalog.h"

#include <gmock/gmock.h>

#include "src/catalog/notices_json.h"
#include "src/common/crypto.h"
#include "tests/support/json.h"
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

// `s` with `from` replaced by `to` (which must occur).
std::string Edit(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The shop catalog with `from` replaced by `to` (which must occur).
std::string ShopWith(const std::string& from, const std::string& to) { return Edit(Shop(), from, to); }

// The shop's `ads` purpose shares clicks with this third party.
const std::string kThirdParty = "{name: Example Exchange, role: third_party}";

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
  EXPECT_EQ(ads.recipients.at(1).role, "third_party");
  EXPECT_EQ(ads.notice_version.size(), 64u);
  EXPECT_TRUE(c->FindCategory("clicks")->sensitive);
}

TEST(Catalog, DemoCatalogIsValid) {
  Result<Catalog> c = ParseCatalog(DemoCatalogYaml(), "demo");
  ASSERT_THAT(c, IsOk());
  EXPECT_GE(c->purposes.size(), 7u);
  EXPECT_EQ(c->locales, (std::vector<std::string>{"en", "ja"}));
  // An ad network that picks ads from browsing history across sites
  // receives the data for itself: a third party, which is what makes
  // `ad_targeting` a share.
  const Purpose* ads = c->FindPurpose("ad_targeting");
  ASSERT_NE(ads, nullptr);
  EXPECT_TRUE(ads->sale_or_share);
  ASSERT_EQ(ads->recipients.size(), 1u);
  EXPECT_EQ(ads->recipients[0].name, "Example Ad Network");
  EXPECT_EQ(ads->recipients[0].role, "third_party");
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
  auto r = ParseCatalog(ShopWith("    sale_or_share: true", "    sale_or_share: true\n    colour: {en: x, ja: y}"), "c.yaml");
  EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument,
                          "c.yaml:33:5: unknown key `colour` in purpose `ads` (expected one of: basis, title, "
                          "description, benefit, data, recipients, retention, expires, sale_or_share, signals)"));
}

TEST(Catalog, AMisspelledKeyIsOneErrorThatNamesTheKeyMeant) {
  // Not also "needs a `benefit`": the benefit is there, misspelled.
  EXPECT_THAT(ParseCatalog(ShopWith("    benefit: {en: Useful", "    benfit: {en: Useful"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:42:5: unknown key `benfit` in purpose `recommendations`; did you mean `benefit`?"));
  EXPECT_THAT(ParseCatalog(ShopWith("\npurposes:\n", "\npurpose:\n"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:15:1: unknown key `purpose` in the catalog; did you mean `purposes`?"));
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
  // One error: that `delivery` has no recipients to sell to follows from it.
  EXPECT_THAT(ParseCatalog(ShopWith("    retention: P2Y", "    retention: P2Y\n    sale_or_share: true"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:22:20: purpose `delivery` is necessary and cannot be `sale_or_share`: selling or "
                       "sharing data is never necessary to provide the service"));
}

TEST(Catalog, ASaleOrShareNeedsARecipientThatIsNotAProcessor) {
  const std::string advice =
      ", so nothing is sold or shared (name the `third_party` that receives the data, or set `sale_or_share: false`)";
  const std::string processors_only =
      "c.yaml:32:20: purpose `ads` is `sale_or_share: true`, but every recipient is a `processor`, acting only on "
      "the company's behalf" + advice;
  EXPECT_THAT(ParseCatalog(ShopWith(", " + kThirdParty, ""), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, processors_only));
  EXPECT_THAT(ParseCatalog(ShopWith("role: third_party}", "role: processor}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument, processors_only));
  EXPECT_THAT(ParseCatalog(ShopWith("    recipients: [{name: Example Ads, role: processor}, " + kThirdParty + "]\n", ""),
                           "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:31:20: purpose `ads` is `sale_or_share: true`, but it has no `recipients`" + advice));
  // Any other role receives the data for itself.
  EXPECT_THAT(ParseCatalog(ShopWith("role: third_party}", "role: controller}"), "c.yaml"), IsOk());
  // A role that could not be read is its own error, not also this one.
  EXPECT_THAT(ParseCatalog(ShopWith(", role: third_party}", "}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:29:56: purpose `ads` recipient needs a `role` (such as `processor`, `controller` or "
                       "`third_party`)"));
  // Without a sale or share, processors alone are what they should be.
  std::string s = ShopWith(", " + kThirdParty, "");
  s = Edit(s, "sale_or_share: true", "sale_or_share: false");
  s = Edit(s, "      us: [sharing, targeted_advertising]\n", "");
  EXPECT_THAT(ParseCatalog(s, "c.yaml"), IsOk());
}

TEST(Catalog, ARecipientsRoleIsOneThePageCanExplain) {
  // A processor under another name, or misspelt, would slip past the rules
  // about processors.
  EXPECT_THAT(ParseCatalog(ShopWith("role: third_party}", "role: proccessor}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:29:87: purpose `ads` recipient `role` must be `processor`, `controller` or "
                       "`third_party`, not `proccessor`; did you mean `processor`?"));
  EXPECT_THAT(ParseCatalog(ShopWith("role: third_party}", "role: service_provider}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:29:87: purpose `ads` recipient `role` must be `processor`, `controller` or "
                       "`third_party`, not `service_provider`"));
}

TEST(Catalog, APublishedCatalogIsReadByTheRulesOfItsDay) {
  // Published before these rules, a ledger's catalog must still read back:
  // the store opens, and the catalog's next publication is held to them.
  const std::string older = ShopWith("{name: Example Ads, role: processor}, " + kThirdParty,
                                     "{name: Example Ads, role: service_provider}");
  EXPECT_THAT(ParseCatalog(older, "c.yaml"), StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("c.yaml:")));
  auto read_back = ParseCatalog(older, "event 1", CatalogRules::kPublished);
  ASSERT_THAT(read_back, IsOk());
  EXPECT_EQ(read_back->FindPurpose("ads")->recipients[0].role, "service_provider");
}

TEST(Catalog, AMisspelledBasisIsOneErrorThatNamesTheBasisMeant) {
  // Read as a consent purpose, `delivery` would also lack a benefit.
  EXPECT_THAT(ParseCatalog(ShopWith("basis: necessary", "basis: necesary"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:17:12: purpose `delivery` `basis` must be `consent` or `necessary`, not `necesary`; did "
                       "you mean `necessary`?"));
  // Nor does a consent purpose's missing benefit, or a sale or share with
  // processors only, count while the basis is unknown: either follows from
  // it, and is reported once the basis is right.
  std::string s = ShopWith("    benefit: {en: Ads that fit you., ja: あなたに合った広告。}\n", "");
  s = Edit(s, ", " + kThirdParty, "");
  s = Edit(s, "basis: consent", "basis: consnet");
  EXPECT_THAT(ParseCatalog(s, "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:24:12: purpose `ads` `basis` must be `consent` or `necessary`, not `consnet`; did you "
                       "mean `consent`?"));
  EXPECT_THAT(ParseCatalog(ShopWith("basis: consent", "basis: legitimate_interest"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:24:12: purpose `ads` `basis` must be `consent` or `necessary`, not "
                       "`legitimate_interest`"));
  EXPECT_THAT(ParseCatalog(ShopWith("    basis: necessary\n", ""), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:17:5: purpose `delivery` needs a `basis` (`consent` or `necessary`)"));
}

TEST(Catalog, ACommaInAnUnquotedTextIsOneErrorThatShowsTheQuoting) {
  // YAML reads `{en: Ads, chosen for you, ja: 広告}` as the keys `en`,
  // `chosen for you` (with no value) and `ja`.
  const std::string ads = "{en: We show you ads based on your clicks., ja:";
  EXPECT_THAT(ParseCatalog(ShopWith(ads, "{en: Ads, chosen for you, and cheap., ja:"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:26:23: purpose `ads` `description` (en) stops at the comma before `chosen for you` (a "
                       "text with a comma inside `{...}` must be quoted: {en: \"Ads, chosen for you, and cheap.\"})"));
  EXPECT_THAT(ParseCatalog(ShopWith("{en: Ads that fit you.,", "{en: Ads that \"fit\" you, really.,"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:27:19: purpose `ads` `benefit` (en) stops at the comma before `really.` (a text with a "
                       "comma inside `{...}` must be quoted: {en: \"Ads that \\\"fit\\\" you, really.\"})"));
  // The same in any `{...}`, such as a recipient or a one-line purpose.
  EXPECT_THAT(ParseCatalog(ShopWith("{name: Example Exchange,", "{name: Example Exchange, Inc.,"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:29:63: purpose `ads` recipient `name` stops at the comma before `Inc.` (a text with a "
                       "comma inside `{...}` must be quoted: {name: \"Example Exchange, Inc.\"})"));
  EXPECT_THAT(ParseCatalog("organization: {name: X}\nlocales: [en]\ndata_categories:\n"
                           "  d: {title: Data, description: Some data.}\npurposes:\n"
                           "  p: {basis: consent, title: Ads, description: We show ads, and more., benefit: Free service., "
                           "data: [d], retention: P1Y}\n",
                           "one.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "one.yaml:6:48: purpose `p` `description` stops at the comma before `and more.` (a text with a "
                       "comma inside `{...}` must be quoted: {description: \"We show ads, and more.\"})"));
  // Only a text splits: after a word such as a role, it is an unknown key.
  EXPECT_THAT(ParseCatalog(ShopWith("role: third_party}", "role: third_party, controller}"), "c.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "c.yaml:29:100: unknown key `controller` in purpose `ads` recipient (expected one of: name, "
                       "role)"));
  // Quoted, the comma is part of the text.
  Result<Catalog> quoted = ParseCatalog(ShopWith(ads, "{en: \"Ads, chosen for you.\", ja:"), "c.yaml");
  ASSERT_THAT(quoted, IsOk());
  EXPECT_EQ(quoted->FindPurpose("ads")->description.at("en"), "Ads, chosen for you.");
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
  const testing::JsonDoc doc(ja);
  EXPECT_EQ(doc.Str("/locale"), "ja");
  EXPECT_EQ(doc.Str("/purposes/1/title"), "パーソナライズ広告");
  EXPECT_EQ(doc.Str("/purposes/1/retention"), "P1Y1M");
  EXPECT_EQ(doc.Str("/purposes/1/expires"), "P1Y");
  EXPECT_EQ(doc.At("/purposes/1/sale_or_share"), "true");
}

}  // namespace
}  // namespace optin
