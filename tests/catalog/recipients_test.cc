// The catalog's `recipients` section: what it declares, what a purpose's
// notice then says about each recipient, and the lint that holds the two
// together, each error at its FILE:LINE:COL.
#include <gmock/gmock.h>

#include "optin/catalog.h"
#include "src/catalog/notice_diff.h"
#include "src/catalog/notices_json.h"
#include "src/common/crypto.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

std::string Recipients() { return ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"); }

// recipients.yaml with `from` replaced by `to` (which must occur).
std::string With(const std::string& from, const std::string& to) {
  std::string s = Recipients();
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The error message of parsing `text`, which must fail.
std::string Errors(const std::string& text) {
  Result<Catalog> c = ParseCatalog(text, "r.yaml");
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.status().message();
}

TEST(Recipients, TheSectionDeclaresWhoReceivesWhatAndHowTheyAreTold) {
  Result<Catalog> c = ParseCatalog(Recipients(), "r.yaml");
  ASSERT_THAT(c, IsOk());
  ASSERT_EQ(c->recipients.size(), 3u);
  const CatalogRecipient* ads = c->FindRecipient("example_ads");
  ASSERT_NE(ads, nullptr);
  EXPECT_EQ(ads->legal_name, "Example Ads, Inc.");
  EXPECT_EQ(ads->name.at("ja"), "エグザンプル広告");
  EXPECT_EQ(ads->role, "processor");
  EXPECT_EQ(ads->country, "US");
  EXPECT_EQ(ads->delivery, DeliveryMethod::kWebhook);
  EXPECT_EQ(ads->url, "https://hooks.example-ads.test/optin");
  EXPECT_EQ(ads->ack_within, "PT12H");
  EXPECT_EQ(c->FindRecipient("example_exchange")->delivery, DeliveryMethod::kPull);
  EXPECT_EQ(c->FindRecipient("example_exchange")->ack_within, "P1D");  // the default
  EXPECT_EQ(c->FindRecipient("warehouse")->delivery, DeliveryMethod::kManual);
  EXPECT_EQ(c->FindRecipient("nobody"), nullptr);
  // A purpose's recipient carries the id and, as its name, the display name
  // in the default locale.
  const Purpose& p = *c->FindPurpose("ads");
  ASSERT_EQ(p.recipients.size(), 2u);
  EXPECT_EQ(p.recipients[1].id, "example_exchange");
  EXPECT_EQ(p.recipients[1].name, "Example Exchange");
  EXPECT_EQ(p.recipients[1].role, "third_party");
  EXPECT_EQ(ReceivedData(*c->FindRecipient("warehouse"), *c->FindPurpose("recommendations")),
            std::vector<std::string>{"orders"});
}

TEST(Recipients, TheNoticeNamesEachRecipientInFullInFormatTwo) {
  Result<Catalog> c = ParseCatalog(Recipients(), "r.yaml");
  ASSERT_THAT(c, IsOk());
  // docs/notice_version.md: a recipient of the section is its country, the
  // data of the purpose it receives, its id, legal name, display name per
  // locale and role, keys in byte order; the format is 2.
  const std::string expected =
      R"({"basis":"consent","benefit":{"en":"Useful suggestions.","ja":"役立つ提案。"},"data":[{"description":)"
      R"({"en":"What you ordered.","ja":"ご注文の内容。"},"id":"orders","sensitive":false,"title":{"en":"Orders",)"
      R"("ja":"注文"}}],"description":{"en":"We suggest products from your orders.","ja":"ご注文からおすすめ商品を提案)"
      R"(します。"},"expires":null,"id":"recommendations","recipients":[{"country":"JP","data":["orders"],"id":)"
      R"("warehouse","legal_name":"Example Shop K.K.","name":{"en":"Our analytics warehouse","ja":"当社の分析基盤"},)"
      R"("role":"internal"}],"retention":"P1Y","sale_or_share":false,"title":{"en":"Recommendations","ja":"おすすめ"},)"
      R"("version":2})";
  const Purpose& p = *c->FindPurpose("recommendations");
  EXPECT_EQ(CanonicalNotice(*c, p), expected);
  EXPECT_EQ(p.notice_version, ToHex(Sha256(expected)));
  // A purpose without recipients stays in format 1.
  EXPECT_THAT(CanonicalNotice(*c, *c->FindPurpose("delivery")), HasSubstr(R"("recipients":[],)"));
  EXPECT_THAT(CanonicalNotice(*c, *c->FindPurpose("delivery")), HasSubstr(R"("version":1})"));
}

TEST(Recipients, TheNoticesInForceNameThemInTheCustomersLanguage) {
  Result<Catalog> c = ParseCatalog(Recipients(), "r.yaml");
  ASSERT_THAT(c, IsOk());
  JsonDoc ja(NoticesJson(*c, "ja"));
  EXPECT_EQ(ja.Str("/purposes/1/recipients/0/name"), "エグザンプル広告");
  EXPECT_EQ(ja.Str("/purposes/1/recipients/0/legal_name"), "Example Ads, Inc.");
  EXPECT_EQ(ja.Str("/purposes/1/recipients/1/country"), "GB");
  EXPECT_EQ(ja.At("/purposes/1/recipients/1/data"), R"(["clicks"])");
  EXPECT_EQ(ja.Str("/purposes/2/recipients/0/role"), "internal");
}

TEST(Recipients, ACountryOrDataChangeIsMaterialWhateverThePublisherSays) {
  Result<Catalog> before = ParseCatalog(Recipients(), "r.yaml");
  Result<Catalog> after = ParseCatalog(With("    country: GB", "    country: CN"), "r.yaml");
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  NoticeChanges changes = CompareNotices(*before, *before->FindPurpose("ads"), *after, *after->FindPurpose("ads"));
  EXPECT_THAT(changes.material, ::testing::Contains("`recipients`: `example_exchange` moves the data from GB to CN"));
  EXPECT_NE(before->FindPurpose("ads")->notice_version, after->FindPurpose("ads")->notice_version);
  // Renaming the display name only is a change of text, not material.
  after = ParseCatalog(With("{en: Example Ads, ja:", "{en: Example Ads Network, ja:"), "r.yaml");
  ASSERT_THAT(after, IsOk());
  changes = CompareNotices(*before, *before->FindPurpose("ads"), *after, *after->FindPurpose("ads"));
  EXPECT_THAT(changes.material, ::testing::IsEmpty());
}

TEST(Recipients, AnUnknownIdInAPurposeIsAnErrorWithItsLine) {
  EXPECT_THAT(Errors(With("recipients: [example_ads, example_exchange]", "recipients: [example_ad, example_exchange]")),
              HasSubstr("r.yaml:52:18: purpose `ads` names recipient `example_ad`, which is not in `recipients`; did "
                        "you mean `example_ads`?"));
  EXPECT_THAT(Errors(With("recipients: [example_ads, example_exchange]", "recipients: [example_ads, example_ads]")),
              HasSubstr("r.yaml:52:31: purpose `ads` names recipient `example_ads` twice"));
}

TEST(Recipients, AThirdPartyReceivingAPurposeItIsNotDeclaredForIsAnError) {
  const std::string text = With("recipients: [warehouse]", "recipients: [warehouse, example_exchange]");
  EXPECT_THAT(Errors(text), HasSubstr("r.yaml:62:29: purpose `recommendations` sends its data to `example_exchange`, "
                                      "a third party, which is not declared to receive it: add `recommendations` to "
                                      "its `purposes`"));
}

TEST(Recipients, ADeclarationNoPurposeKeepsIsAnError) {
  // Declared for `ads`, but `ads` does not name it: its customers would not
  // be told.
  EXPECT_THAT(Errors(With("recipients: [example_ads, example_exchange]", "recipients: [example_ads]")),
              HasSubstr("r.yaml:28:16: recipient `example_exchange` is declared to receive purpose `ads`, whose "
                        "`recipients` do not name it"));
  EXPECT_THAT(Errors(With("purposes: [recommendations]", "purposes: [recommendations, recomendations]")),
              HasSubstr("r.yaml:36:33: recipient `warehouse` is declared for purpose `recomendations`, which is not "
                        "in `purposes`; did you mean `recommendations`?"));
  EXPECT_THAT(Errors(With("    data: [orders]\n    delivery: manual", "    data: [orders, clicks]\n    delivery: manual")),
              HasSubstr("r.yaml:37:20: recipient `warehouse` is declared to receive data category `clicks`, which "
                        "none of its purposes uses"));
}

TEST(Recipients, SensitiveDataToARecipientNotDeclaredForItIsAnError) {
  // The exchange receives only orders now, but `ads` would send it clicks,
  // which are sensitive.
  const std::string text = With("    data: [clicks]\n    delivery: pull", "    data: [orders]\n    delivery: pull");
  const std::string errors = Errors(text);
  EXPECT_THAT(errors, HasSubstr("r.yaml:52:31: purpose `ads` would send the sensitive data category `clicks` to "
                                "`example_exchange`, which is not declared to receive it"));
  EXPECT_THAT(errors, HasSubstr("r.yaml:29:12: recipient `example_exchange` is declared to receive data category "
                                "`orders`, which none of its purposes uses"));
}

TEST(Recipients, EachFieldIsChecked) {
  struct Case {
    std::string from, to, error;
  };
  const std::vector<Case> cases = {
      {"    country: US", "    country: usa", "r.yaml:18:14: recipient `example_ads` `country` must be an ISO 3166-1 "
                                              "code of two capital letters, such as `US` or `JP`, not `usa`"},
      {"    role: internal", "    role: intern",
       "r.yaml:34:11: recipient `warehouse` `role` must be `processor`, `controller`, `third_party` or `internal`, not "
       "`intern`; did you mean `internal`?"},
      {"    delivery: pull", "    delivery: poll",
       "r.yaml:30:15: recipient `example_exchange` `delivery` must be `webhook`, `pull` or `manual`, not `poll`; did "
       "you mean `pull`?"},
      {"    url: https://hooks.example-ads.test/optin\n", "",
       "r.yaml:15:5: recipient `example_ads` is told by `webhook` and needs its `url`"},
      {"    delivery: pull", "    delivery: pull\n    url: https://x.test/",
       "r.yaml:31:10: recipient `example_exchange` is told by `pull`, so it has no `url`; remove it"},
      {"https://hooks.example-ads.test/optin", "http://hooks.example-ads.test/optin",
       "r.yaml:21:10: recipient `example_ads` `url` `http://hooks.example-ads.test/optin` must be an https:// address "
       "(http:// only to 127.0.0.1, localhost or [::1])"},
      {"https://hooks.example-ads.test/optin", "https://user:pw@hooks.example-ads.test/",
       "must be an https:// address"},
      {"    ack_within: PT12H", "    ack_within: 12h", "r.yaml:22:17: recipient `example_ads` `ack_within`"},
      {"    ack_within: PT12H", "    ack_within: PT12H\n    secret: whsec_abc",
       "r.yaml:23:13: recipient `example_ads` `secret`: a webhook's signing secret is kept in the store, never in the "
       "catalog; remove it and run `optin recipients secret example_ads`"},
      {"  warehouse:\n    legal_name: Example Shop K.K.\n", "  warehouse:\n",
       "r.yaml:32:5: recipient `warehouse` needs `legal_name`"},
      {"  example_exchange:", "  Example_Exchange:", "r.yaml:23:3: recipient id `Example_Exchange` must start"},
      {"    purposes: [recommendations]", "    purposes: []", "recipient `warehouse` `purposes` must name at least one"},
  };
  for (const Case& c : cases) EXPECT_THAT(Errors(With(c.from, c.to)), HasSubstr(c.error)) << c.to;
  // http:// to a loopback address is a test's recipient, and fine.
  for (const char* url : {"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/h"}) {
    EXPECT_THAT(ParseCatalog(With("https://hooks.example-ads.test/optin", url), "r.yaml"), IsOk()) << url;
  }
}

TEST(Recipients, RecipientsNamedInPlaceKeepTheirNoticeVersions) {
  // The shop names its recipients in place: format 1, as before the section
  // existed (the version pinned in catalog_test.cc stays).
  Result<Catalog> c = ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml"), "shop.yaml");
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(CanonicalNotice(*c, *c->FindPurpose("ads")),
              HasSubstr(R"("recipients":[{"name":"Example Ads","role":"processor"},{"name":"Example Exchange",)"
                        R"("role":"third_party"}],)"));
  EXPECT_THAT(CanonicalNotice(*c, *c->FindPurpose("ads")), HasSubstr(R"("version":1})"));
  EXPECT_TRUE(c->recipients.empty());
}

}  // namespace
}  // namespace optin
