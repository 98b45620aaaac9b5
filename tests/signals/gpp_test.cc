// IAB GPP strings (the vectors under testdata/gpp/ run in vectors_test.cc):
// the header's Fibonacci ranges, the US sections' layouts and GPC
// subsections, what the encoder refuses, a property test and the CLI.
#include <gmock/gmock.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "optin/signals.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::optin::testing::RunOptions;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kGppData = std::string(OPTIN_TESTDATA) + "/gpp/";
// The GPP specification's example TC string.
constexpr std::string_view kTc = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";

std::vector<int> SectionIds(const std::string& text) {
  Result<GppDecoded> d = DecodeGppString(text);
  if (!d.ok()) return {-1};
  return d->section_ids;
}

TEST(GppString, ReadsTheSpecificationsHeaderExamples) {
  const std::string tc(kTc);
  EXPECT_THAT(SectionIds("DBABM~" + tc), ElementsAre(2));
  EXPECT_THAT(SectionIds("DBACNY~" + tc + "~1YNN"), ElementsAre(2, 6));
  // A group: offset 5, then length 1.
  EXPECT_THAT(SectionIds("DBABjw~" + tc + "~1YNN"), ElementsAre(5, 6));
}

TEST(GppString, EncodesRunsOfIdsAsGroupsAndSortsSections) {
  GppString gpp;
  gpp.usca.emplace();
  gpp.uspv1 = UspString{true, false, false};
  gpp.usnat.emplace();
  gpp.other_sections.push_back({12, "BAAAAAAA"});
  Result<std::string> s = EncodeGppString(gpp);
  ASSERT_THAT(s, IsOk());
  Result<GppDecoded> d = DecodeGppString(*s);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(d->section_ids, ElementsAre(6, 7, 8, 12));
  EXPECT_EQ(d->gpp, gpp);
  // 6-8 is one group; 12 follows at offset 4. Header: 24 bits, then
  // 1 + F(6)=`10011` + F(2)=`011`, then 0 + F(4)=`1011`, padded (the same
  // header @iabgpp/cmpapi writes for these ids).
  EXPECT_EQ(s->substr(0, s->find('~')), "DBACzaw");
  EXPECT_EQ(GppSectionIds(gpp), d->section_ids);
}

TEST(GppString, UsNatVersionsHaveTheirOwnLayouts) {
  GppString v1;
  v1.usnat.emplace();
  v1.usnat->version = 1;
  v1.usnat->sensitive_data_processing.assign(12, 2);
  v1.usnat->known_child_sensitive_data_consents.assign(2, 1);
  Result<std::string> s1 = EncodeGppString(v1);
  ASSERT_THAT(s1, IsOk());
  GppString v2 = v1;
  v2.usnat->version = 2;
  v2.usnat->sensitive_data_processing.assign(16, 2);
  v2.usnat->known_child_sensitive_data_consents.assign(3, 1);
  Result<std::string> s2 = EncodeGppString(v2);
  ASSERT_THAT(s2, IsOk());
  // 60 bits (11 characters once padded to bytes) against 70 (12).
  EXPECT_EQ(s1->size() - s1->find('~') - 1, 11u) << *s1;
  EXPECT_EQ(s2->size() - s2->find('~') - 1, 12u) << *s2;
  EXPECT_EQ(DecodeGppString(*s1)->gpp, v1);
  EXPECT_EQ(DecodeGppString(*s2)->gpp, v2);
}

TEST(GppString, GpcSubsectionIsOptionalAndCarriesTheSignal) {
  GppString gpp;
  gpp.usnat.emplace();
  Result<std::string> without = EncodeGppString(gpp);
  ASSERT_THAT(without, IsOk());
  EXPECT_EQ(without->find('.'), std::string::npos);
  gpp.usnat->gpc = true;
  Result<std::string> with = EncodeGppString(gpp);
  ASSERT_THAT(with, IsOk());
  // Type 1 (`01`), then Gpc 1, padded: `011000` `000000`.
  EXPECT_TRUE(with->ends_with(".YA")) << *with;
  EXPECT_EQ(DecodeGppString(*with)->gpp.usnat->gpc, std::optional<bool>(true));
  gpp.usnat->gpc = false;
  EXPECT_EQ(DecodeGppString(*EncodeGppString(gpp))->gpp.usnat->gpc, std::optional<bool>(false));
}

TEST(GppString, WarnsAboutAnInvalidMspaValueInsteadOfFailing) {
  Result<GppDecoded> d = DecodeGppString("DBABLA~BVVqAAEABCA.QA");
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->gpp.usnat->mspa_covered_transaction, 0);
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("mspa_covered_transaction is 0")));
  // Such a model still encodes as it was read.
  EXPECT_EQ(*EncodeGppString(d->gpp), "DBABLA~BVVqAAEABCA.QA");
}

TEST(GppString, CarriesTcfEuV2WarningsWithTheSectionName) {
  Result<GppDecoded> d = DecodeGppString("DBABM~" + std::string(kTc));
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("tcfeuv2: policy_version 2 is below 4")));
  EXPECT_EQ(d->gpp.tcfeuv2->cmp_id, 31);
}

TEST(GppString, EncoderRejectsWhatNoStringCanHold) {
  auto fails_with = [](const GppString& gpp, std::string_view text) {
    EXPECT_THAT(EncodeGppString(gpp), StatusIs(StatusCode::kInvalidArgument, HasSubstr(text)));
  };
  GppString gpp;
  gpp.usnat.emplace();
  gpp.usnat->version = 1;  // with the 2024 layout's 16 categories
  fails_with(gpp, "usnat: `sensitive_data_processing` has 16 values; version 1 has 12");
  gpp.usnat->version = 3;
  fails_with(gpp, "usnat: `version` must be 1");
  gpp.usnat.emplace();
  gpp.usnat->sale_opt_out = 3;
  fails_with(gpp, "usnat: `sale_opt_out` must be 0, 1 or 2");
  gpp.usnat.emplace();
  gpp.usnat->sensitive_data_processing[4] = -1;
  fails_with(gpp, "`sensitive_data_processing[4]` must be 0, 1 or 2");
  gpp.usnat.reset();
  gpp.usca.emplace();
  gpp.usca->known_child_sensitive_data_consents = {1};
  fails_with(gpp, "usca: `known_child_sensitive_data_consents` has 1 values; version 1 has 2");
  gpp.usca.reset();
  gpp.other_sections = {{7, "BAAA"}};
  fails_with(gpp, "section 7 (usnat) must be given as `usnat`");
  gpp.other_sections = {{9, "BA~A"}};
  fails_with(gpp, "section 9 (usva): the text must be base64url");
  gpp.other_sections = {{9, "BA"}, {9, "BA"}};
  fails_with(gpp, "section 9 (usva) repeats");
  gpp.other_sections.clear();
  gpp.tcfeuv2.emplace();
  gpp.tcfeuv2->purpose_consents = {30};
  fails_with(gpp, "tcfeuv2: ");
}

TEST(GppString, FromJsonRejectsBadInput) {
  EXPECT_THAT(GppStringFromJson("{"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(GppStringFromJson("[]"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("JSON object")));
  EXPECT_THAT(GppStringFromJson(R"({"usnta":{}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown key `usnta`")));
  EXPECT_THAT(GppStringFromJson(R"({"usnat":{"sale_opt_uot":1}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown key `usnat.sale_opt_uot`")));
  EXPECT_THAT(GppStringFromJson(R"({"usca":{"gpc":"yes"}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`usca.gpc` must be true, false or null")));
  EXPECT_THAT(GppStringFromJson(R"({"uspv1":{"notice":1}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`uspv1.notice` must be true, false or null")));
  EXPECT_THAT(GppStringFromJson(R"({"tcfeuv2":{"cmp_id":"x"}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("tcfeuv2: `cmp_id` must be an integer")));
  // Output-only keys are accepted and ignored.
  Result<GppString> ok = GppStringFromJson(R"({"section_ids":[1],"warnings":["x"],"usca":{"gpc":null}})");
  ASSERT_THAT(ok, IsOk());
  EXPECT_TRUE(ok->usca.has_value());
  EXPECT_FALSE(ok->usca->gpc.has_value());
}

// ---- Property: random valid models round-trip exactly.

int GenValue() { return *rc::gen::inRange(0, 3); }

template <typename Section>
void GenCommon(Section& s) {
  for (int& v : s.sensitive_data_processing) v = GenValue();
  for (int& v : s.known_child_sensitive_data_consents) v = GenValue();
  s.sale_opt_out = GenValue();
  s.sharing_opt_out = GenValue();
  s.sale_opt_out_notice = GenValue();
  s.sharing_opt_out_notice = GenValue();
  s.sensitive_data_limit_use_notice = GenValue();
  s.personal_data_consents = GenValue();
  s.mspa_covered_transaction = *rc::gen::inRange(1, 3);
  s.mspa_opt_out_option_mode = GenValue();
  s.mspa_service_provider_mode = GenValue();
  if (*rc::gen::arbitrary<bool>()) s.gpc = *rc::gen::arbitrary<bool>();
}

GppString GenGppString() {
  GppString gpp;
  if (*rc::gen::arbitrary<bool>()) {
    TcString tc;
    tc.created = tc.last_updated = *rc::gen::inRange<int64_t>(0, int64_t{1} << 36) * 100'000;
    tc.cmp_id = *rc::gen::inRange(0, 4096);
    tc.vendor_consents = {*rc::gen::inRange(1, 2000)};
    gpp.tcfeuv2 = tc;
  }
  auto flag = [] { return *rc::gen::element(std::optional<bool>(), std::optional<bool>(true), std::optional<bool>(false)); };
  if (*rc::gen::arbitrary<bool>()) gpp.uspv1 = UspString{flag(), flag(), flag()};
  if (*rc::gen::arbitrary<bool>()) {
    GppUsNat& n = gpp.usnat.emplace();
    n.version = *rc::gen::inRange(1, 3);
    n.sensitive_data_processing.assign(n.version == 1 ? 12 : 16, 0);
    n.known_child_sensitive_data_consents.assign(n.version == 1 ? 2 : 3, 0);
    GenCommon(n);
    n.sharing_notice = GenValue();
    n.targeted_advertising_opt_out_notice = GenValue();
    n.targeted_advertising_opt_out = GenValue();
    n.sensitive_data_processing_opt_out_notice = GenValue();
  }
  if (*rc::gen::arbitrary<bool>()) GenCommon(gpp.usca.emplace());
  if (*rc::gen::arbitrary<bool>()) gpp.other_sections.push_back({*rc::gen::inRange(9, 28), "BAAAAAAA.YA"});
  return gpp;
}

RC_GTEST_PROP(GppStringProperty, RandomValidModelsRoundTrip, ()) {
  const GppString gpp = GenGppString();
  Result<std::string> s = EncodeGppString(gpp);
  RC_ASSERT(s.ok());
  Result<GppDecoded> d = DecodeGppString(*s);
  RC_ASSERT(d.ok());
  RC_ASSERT(d->gpp == gpp);
  RC_ASSERT(d->section_ids == GppSectionIds(gpp));
  Result<GppString> j = GppStringFromJson(GppStringToJson(*d));
  RC_ASSERT(j.ok());
  RC_ASSERT(*j == gpp);
}

// ---- The command line.

TEST(GppCli, DecodePrintsJson) {
  auto r = RunOptin({"gpp", "decode", "DBABLA~BVVqAAEABCA.QA", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(kGppData + "usnat_v1_gpc.json"));
}

TEST(GppCli, DecodePrintsASummary) {
  auto r = RunOptin({"gpp", "decode", "DBACNY~" + std::string(kTc) + "~1YNN"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sections: 2 (tcfeuv2) 6 (uspv1)\n"));
  EXPECT_THAT(r.out, HasSubstr("  CMP 31 version 640"));
  EXPECT_THAT(r.out, HasSubstr("uspv1: 1YNN\n"));
  r = RunOptin({"gpp", "decode", "DBABLA~BVVqAAEABCA.QA"});
  EXPECT_THAT(r.out, HasSubstr("  sale opt-out: 2 (not opted out), notice: 1 (given)\n"));
  EXPECT_THAT(r.out, HasSubstr("  GPC: no\n"));
}

TEST(GppCli, DecodeOfAnInvalidStringExitsOne) {
  auto r = RunOptin({"gpp", "decode", "DBACNY~" + std::string(kTc)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("the header lists 2 sections but the string has 1"));
}

TEST(GppCli, EncodeReadsTheModelFromStdin) {
  RunOptions options;
  options.stdin_data = ReadFile(kGppData + "uspv1_usnat_v2_usca.json");
  auto r = RunOptin({"gpp", "encode"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "DBABzYA~1YYN~CVVWVVZVVFaA.YA~BVZlQVlg.QA\n");
  options.stdin_data = R"({"usnat":{"version":7}})";
  r = RunOptin({"gpp", "encode"}, options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("usnat: `version` must be 1"));
}

}  // namespace
}  // namespace optin
