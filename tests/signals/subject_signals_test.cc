// A customer's choices as signals (SignalsFor): opt-in by default, what each
// allowed purpose grants, GPC, and the JSON the API and CLI print.
#include <gmock/gmock.h>

#include <tuple>

#include "optin/signals.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";
constexpr int64_t kNov29 = 1'795'910'400'000'000;  // 2026-11-29T00:00:00Z
constexpr int64_t kHour = 3'600'000'000;
constexpr int kOptedOut = 1, kNotOptedOut = 2, kNoConsent = 1;

class SubjectSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Catalog> c = ParseCatalogFile(kShopPath);
    ASSERT_THAT(c, IsOk());
    catalog_ = std::move(*c);
  }
  // Necessary purposes are always allowed, as Engine::DecideAll says.
  SubjectChoices Choices(bool ads, bool recommendations) {
    return SubjectChoices{{{"delivery", true}, {"ads", ads}, {"recommendations", recommendations}}, false, 0};
  }
  Catalog catalog_;
};

TEST_F(SubjectSignalsTest, NothingIsGrantedWithoutAYes) {
  SubjectSignals s = SignalsFor(catalog_, Choices(false, false), kNov29 + 5 * kHour);
  ASSERT_TRUE(s.tc.has_value());
  EXPECT_THAT(s.tc->purpose_consents, IsEmpty());
  EXPECT_THAT(s.tc->vendor_consents, IsEmpty());
  EXPECT_THAT(s.tc->purpose_legitimate_interests, IsEmpty());
  EXPECT_THAT(s.tc->vendor_legitimate_interests, IsEmpty());
  // Every vendor the catalog names was disclosed.
  EXPECT_EQ(s.tc->disclosed_vendors, (std::vector<int>{10, 755}));
  EXPECT_EQ(s.tc->cmp_id, 300);
  EXPECT_EQ(s.tc->publisher_cc, "JP");
  EXPECT_EQ(s.tc->consent_language, "EN");  // the first locale
  EXPECT_EQ(s.tc->policy_version, 4);
  EXPECT_EQ(s.tc->created, kNov29);  // a subject with no events: today, whole days
  ASSERT_TRUE(s.gpp.usnat.has_value());
  EXPECT_EQ(s.gpp.usnat->version, 2);
  EXPECT_EQ(s.gpp.usnat->sale_opt_out, kOptedOut);
  EXPECT_EQ(s.gpp.usnat->sharing_opt_out, kOptedOut);
  EXPECT_EQ(s.gpp.usnat->targeted_advertising_opt_out, kOptedOut);
  EXPECT_EQ(s.gpp.usnat->sensitive_data_processing, std::vector<int>(16, kNoConsent));
  EXPECT_EQ(s.gpp.usnat->known_child_sensitive_data_consents, std::vector<int>(3, kNoConsent));
  EXPECT_EQ(s.gpp.usnat->personal_data_consents, kNoConsent);
  EXPECT_EQ(s.gpp.usnat->gpc, std::optional<bool>(false));
  EXPECT_EQ(s.gpp.usca->sale_opt_out, kOptedOut);
  EXPECT_EQ(EncodeUspString(s.usp), "1YYN");
  // Only the necessary purpose's functionality_storage is granted.
  EXPECT_THAT(s.consent_mode,
              ElementsAre(Pair("ad_storage", false), Pair("ad_user_data", false), Pair("ad_personalization", false),
                          Pair("analytics_storage", false), Pair("functionality_storage", true),
                          Pair("personalization_storage", false)));
}

TEST_F(SubjectSignalsTest, AnAllowedPurposeGrantsWhatItMaps) {
  SubjectChoices choices = Choices(true, false);
  choices.last_updated = kNov29 - 30 * 24 * kHour + 7 * kHour;
  SubjectSignals s = SignalsFor(catalog_, choices, kNov29);
  EXPECT_EQ(s.tc->purpose_consents, (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(s.tc->vendor_consents, (std::vector<int>{10, 755}));
  EXPECT_EQ(s.tc->created, kNov29 - 30 * 24 * kHour);  // the day of the latest event
  EXPECT_EQ(s.tc->last_updated, s.tc->created);
  EXPECT_EQ(s.gpp.usnat->sharing_opt_out, kNotOptedOut);
  EXPECT_EQ(s.gpp.usnat->targeted_advertising_opt_out, kNotOptedOut);
  EXPECT_EQ(s.gpp.usnat->sale_opt_out, kOptedOut);  // no purpose is a sale
  EXPECT_EQ(s.gpp.usca->sharing_opt_out, kNotOptedOut);
  EXPECT_EQ(EncodeUspString(s.usp), "1YYN");
  EXPECT_THAT(s.consent_mode[0], Pair("ad_storage", true));
  EXPECT_THAT(s.consent_mode[5], Pair("personalization_storage", false));

  s = SignalsFor(catalog_, Choices(false, true), kNov29);
  EXPECT_EQ(s.tc->purpose_consents, (std::vector<int>{1, 5, 6}));
  EXPECT_EQ(s.tc->vendor_consents, (std::vector<int>{755}));
  EXPECT_EQ(s.gpp.usnat->sharing_opt_out, kOptedOut);
}

TEST_F(SubjectSignalsTest, GpcShowsInTheUsSections) {
  SubjectChoices choices = Choices(false, false);
  choices.gpc = true;
  SubjectSignals s = SignalsFor(catalog_, choices, kNov29);
  EXPECT_EQ(s.gpp.usnat->gpc, std::optional<bool>(true));
  EXPECT_EQ(s.gpp.usca->gpc, std::optional<bool>(true));
}

TEST_F(SubjectSignalsTest, AnMspaCoveredTransactionStatesItsMode) {
  // Not covered: both modes not applicable.
  SubjectSignals s = SignalsFor(catalog_, Choices(false, false), kNov29);
  EXPECT_EQ(s.gpp.usnat->mspa_covered_transaction, 2);
  EXPECT_EQ(s.gpp.usnat->mspa_opt_out_option_mode, 0);
  EXPECT_EQ(s.gpp.usnat->mspa_service_provider_mode, 0);
  const std::string tcf_line = "  gpp_sections: [tcfeuv2, uspv1, usnat, usca]\n";
  std::string yaml = ReadFile(kShopPath);
  ASSERT_NE(yaml.find(tcf_line), std::string::npos);
  // Covered: exactly one mode says yes.
  yaml.insert(yaml.find(tcf_line) + tcf_line.size(), "  mspa_covered_transaction: true\n  mspa_mode: service_provider\n");
  Result<Catalog> covered = ParseCatalog(yaml, "shop.yaml");
  ASSERT_THAT(covered, IsOk());
  s = SignalsFor(*covered, Choices(false, false), kNov29);
  for (auto [covered_field, opt_out_mode, provider_mode] :
       {std::tuple{s.gpp.usnat->mspa_covered_transaction, s.gpp.usnat->mspa_opt_out_option_mode,
                   s.gpp.usnat->mspa_service_provider_mode},
        std::tuple{s.gpp.usca->mspa_covered_transaction, s.gpp.usca->mspa_opt_out_option_mode,
                   s.gpp.usca->mspa_service_provider_mode}}) {
    EXPECT_EQ(covered_field, 1);
    EXPECT_EQ(opt_out_mode, 2);
    EXPECT_EQ(provider_mode, 1);
  }
  // Covered without a mode is refused, where it says so.
  yaml.erase(yaml.find("  mspa_mode: service_provider\n"), 31);
  EXPECT_THAT(ParseCatalog(yaml, "shop.yaml"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("needs `mspa_mode`")));
}

TEST_F(SubjectSignalsTest, WithoutTcfSettingsThereIsNoTcString) {
  std::string yaml = ReadFile(kShopPath);
  // Without the `signals` settings, and without the TCF mappings that need them.
  for (std::string m : {"signals:\n  tcf: {cmp_id: 300, cmp_version: 2, vendor_list_version: 150, publisher_cc: JP}\n"
                        "  gpp_sections: [tcfeuv2, uspv1, usnat, usca]\n",
                        "      tcf_purposes: [1, 3, 4]\n      tcf_vendors: [10, 755]\n",
                        "tcf_purposes: [1, 5, 6], tcf_vendors: [755], "}) {
    ASSERT_NE(yaml.find(m), std::string::npos) << m;
    yaml.erase(yaml.find(m), m.size());
  }
  Result<Catalog> c = ParseCatalog(yaml, "shop.yaml");
  ASSERT_THAT(c, IsOk());
  SubjectSignals s = SignalsFor(*c, Choices(true, true), kNov29);
  EXPECT_FALSE(s.tc.has_value());
  EXPECT_THAT(GppSectionIds(s.gpp), ElementsAre(7));  // the default: usnat
  Result<std::string> json = SubjectSignalsToJson("alice", s, false);
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(testing::JsonDoc(*json).At("/tc_string"), "null");
}

TEST_F(SubjectSignalsTest, JsonCarriesEveryStringAndDecodesBack) {
  SubjectSignals s = SignalsFor(catalog_, Choices(true, false), kNov29);
  Result<std::string> json = SubjectSignalsToJson("alice", s, false);
  ASSERT_THAT(json, IsOk());
  const std::string tc = *EncodeTcString(*s.tc);
  const std::string gpp = *EncodeGppString(s.gpp);
  EXPECT_EQ(*json, R"({"subject":"alice","gpc":false,"tc_string":")" + tc + R"(","gpp_string":")" + gpp +
                       R"(","gpp_sid":[2,6,7,8],"us_privacy":"1YYN","consent_mode":{"ad_storage":"granted",)"
                       R"("ad_user_data":"granted","ad_personalization":"granted","analytics_storage":"denied",)"
                       R"("functionality_storage":"granted","personalization_storage":"denied"}})");
  Result<GppDecoded> d = DecodeGppString(gpp);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->gpp, s.gpp);
  EXPECT_THAT(d->warnings, IsEmpty());
  EXPECT_EQ(DecodeTcString(tc)->tc, *s.tc);
}

}  // namespace
}  // namespace optin
