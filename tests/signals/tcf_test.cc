// IAB TCF v2.2 TC strings (the vectors under testdata/tcf/ run in
// vectors_test.cc): decoding by field, the encoder's choices, errors, warnings, a property test and the CLI.
#include <gmock/gmock.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "optin/signals.h"
#include "src/signals/tcf/bits.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::optin::testing::RunOptions;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kTcfData = std::string(OPTIN_TESTDATA) + "/tcf/";
constexpr int64_t kJan15 = 1'768'435'200'000'000;  // 2026-01-15T00:00:00Z in microseconds
// From testdata/tcf/vectors.txt.
constexpr std::string_view kCoreBitfield = "CQeEcwAQgdx2ZEsAFCENC0EoAPLAAEPgAAYgAFKrAAUkAAA";
constexpr std::string_view kSegments = "CQeEcwAQeEcwAEsAFBDEC0EgAIAAAAAAAAYgABMAAAAA.IAeQAoAAgBkADwA.eAAABAAAAdQ";
constexpr std::string_view kIabExample = "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAAAAAAAA";
// Bit offset of the vendor consents' IsRangeEncoding: after MaxVendorId at 213.
constexpr size_t kVendorConsentsIsRangeBit = 213 + 16;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(TcString, DecodesEveryCoreFieldAtItsOffset) {
  Result<TcDecoded> d = DecodeTcString(kCoreBitfield);
  ASSERT_THAT(d, IsOk());
  const TcString& tc = d->tc;
  EXPECT_EQ(tc.version, 2);
  EXPECT_EQ(tc.created, kJan15);
  // 2026-03-02T12:30:45.7Z: the decisecond survives.
  EXPECT_EQ(tc.last_updated, 1'772'454'645'700'000);
  EXPECT_EQ(tc.cmp_id, 300);
  EXPECT_EQ(tc.cmp_version, 5);
  EXPECT_EQ(tc.consent_screen, 2);
  EXPECT_EQ(tc.consent_language, "EN");
  EXPECT_EQ(tc.vendor_list_version, 180);
  EXPECT_EQ(tc.policy_version, 4);
  EXPECT_TRUE(tc.is_service_specific);
  EXPECT_FALSE(tc.use_non_standard_texts);
  EXPECT_FALSE(tc.purpose_one_treatment);
  EXPECT_EQ(tc.publisher_cc, "DE");
  EXPECT_THAT(tc.special_feature_opt_ins, ElementsAre(1));
  EXPECT_THAT(tc.purpose_consents, ElementsAre(1, 2, 3, 4, 7, 9, 10));
  EXPECT_THAT(tc.purpose_legitimate_interests, ElementsAre(2, 7, 8, 9, 10, 11));
  EXPECT_THAT(tc.vendor_consents, ElementsAre(1, 3, 5, 7, 9, 10));
  EXPECT_THAT(tc.vendor_legitimate_interests, ElementsAre(2, 5));
  EXPECT_THAT(tc.publisher_restrictions, IsEmpty());
  EXPECT_FALSE(tc.disclosed_vendors.has_value());
  EXPECT_FALSE(tc.publisher.has_value());
  EXPECT_THAT(d->warnings, IsEmpty());
}

TEST(TcString, DecodesDisclosedVendorsAndPublisherSegments) {
  Result<TcDecoded> d = DecodeTcString(kSegments);
  ASSERT_THAT(d, IsOk());
  ASSERT_TRUE(d->tc.disclosed_vendors.has_value());
  EXPECT_EQ(d->tc.disclosed_vendors->size(), 51u);
  EXPECT_EQ(d->tc.disclosed_vendors->back(), 60);
  ASSERT_TRUE(d->tc.publisher.has_value());
  EXPECT_THAT(d->tc.publisher->purpose_consents, ElementsAre(1, 2));
  EXPECT_THAT(d->tc.publisher->purpose_legitimate_interests, ElementsAre(3));
  EXPECT_EQ(d->tc.publisher->num_custom_purposes, 3);
  EXPECT_THAT(d->tc.publisher->custom_purpose_consents, ElementsAre(1, 3));
  EXPECT_THAT(d->tc.publisher->custom_purpose_legitimate_interests, ElementsAre(2));
}

// The IAB's "COvFy…" example starts with `C`, i.e. version 2: it is a TCF 2.0
// string, not a v1 one, and decodes with policy warnings.
TEST(TcString, DecodesTheIabV20ExampleWithWarnings) {
  Result<TcDecoded> d = DecodeTcString(kIabExample);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->tc.cmp_id, 27);
  EXPECT_EQ(d->tc.vendor_list_version, 15);
  EXPECT_THAT(d->tc.purpose_consents, ElementsAre(1, 2, 3));
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("policy_version 2"), HasSubstr("is_service_specific is 0")));
}

TEST(TcString, RejectsTcfV1) {
  EXPECT_THAT(DecodeTcString("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("version 1 is not 2")));
}

TEST(TcString, RejectsTruncatedCoreSegment) {
  for (size_t n = 1; n < kCoreBitfield.size() - 4; ++n) {
    SCOPED_TRACE(n);
    EXPECT_THAT(DecodeTcString(kCoreBitfield.substr(0, n)),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("core segment: `")));
  }
}

TEST(TcString, RejectsBadCharactersAndMisplacedPadding) {
  EXPECT_THAT(DecodeTcString("COvFyGBOvFyGBAbAAAENAPCAAOAAAA!AAAAAAAAAAAAA"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid base64url character `!` at position 30")));
  EXPECT_THAT(DecodeTcString("COvFyGBOvFyGB=AbAAAENAPCAAOAAAAAAAAAAAAAAAAAA"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("character `=` at position 13")));
  EXPECT_THAT(DecodeTcString("COvFyGBOvFyGB\nAbAAAENAPCAAOAAAAAAAAAAAAAAAAAA"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("character `\\x0a`")));
}

TEST(TcString, RejectsUnknownAndRepeatedSegments) {
  const std::string core(kIabExample);
  EXPECT_THAT(DecodeTcString(core + ".oA"),  // 101: type 5
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown segment type 5")));
  EXPECT_THAT(DecodeTcString(core + ".AA"),  // 000: a core segment cannot follow
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown segment type 0")));
  EXPECT_THAT(DecodeTcString(core + ".eAAABAAAAdQ.eAAABAAAAdQ"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("segment type 3 repeats")));
}

TEST(TcString, IgnoresTheDeprecatedAllowedVendorsSegmentWithAWarning) {
  tcf::BitWriter w;
  w.Write(2, 3);   // SegmentType: AllowedVendors
  w.Write(1, 16);  // MaxVendorId
  w.WriteBool(false);
  w.WriteBool(true);  // vendor 1
  const std::string text = std::string(kCoreBitfield) + "." + tcf::EncodeBase64UrlBits(w.bits());
  Result<TcDecoded> d = DecodeTcString(text);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->tc, DecodeTcString(kCoreBitfield)->tc);
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("AllowedVendors segment was ignored")));
  EXPECT_THAT(DecodeTcString(text + "." + tcf::EncodeBase64UrlBits(w.bits())),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("segment type 2 repeats")));
}

TEST(TcString, WarnsAboutPolicyNotErrors) {
  TcString tc;
  tc.cmp_id = 300;
  tc.vendor_list_version = 150;
  tc.policy_version = 2;
  tc.is_service_specific = false;
  tc.purpose_legitimate_interests = {2, 3, 7};
  Result<std::string> s = EncodeTcString(tc);
  ASSERT_THAT(s, IsOk());
  Result<TcDecoded> d = DecodeTcString(*s);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("policy_version 2 is below 4"), HasSubstr("is_service_specific is 0"),
                                       HasSubstr("purpose_legitimate_interests includes purpose 3")));
  // IDs no reader takes.
  tc = TcString();
  d = DecodeTcString(*EncodeTcString(tc));
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(d->warnings, ElementsAre(HasSubstr("cmp_id 0 is not a registered CMP"),
                                       HasSubstr("vendor_list_version 0 names no Global Vendor List")));
}

bool VendorConsentsUseRanges(const std::string& tc_string) {
  Result<tcf::Bits> bits = tcf::DecodeBase64UrlBits(tc_string.substr(0, tc_string.find('.')));
  EXPECT_THAT(bits, IsOk());
  tcf::BitReader r(*bits);
  for (size_t i = 0; i < kVendorConsentsIsRangeBit; ++i) EXPECT_THAT(r.Read(1, "skip"), IsOk());
  Result<bool> is_range = r.ReadBool("is_range_encoding");
  EXPECT_THAT(is_range, IsOk());
  return is_range.ok() && *is_range;
}

std::vector<int> Iota(int first, int last, int step = 1) {
  std::vector<int> v;
  for (int i = first; i <= last; i += step) v.push_back(i);
  return v;
}

TEST(TcString, EncoderPicksTheShorterVendorEncoding) {
  TcString tc;
  // 1..1000: one range entry (12 + 33 bits) against 1000 bits.
  tc.vendor_consents = Iota(1, 1000);
  Result<std::string> s = EncodeTcString(tc);
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(VendorConsentsUseRanges(*s));
  // Every other vendor: 50 single entries (12 + 50 * 17 bits) against 99 bits.
  tc.vendor_consents = Iota(1, 99, 2);
  s = EncodeTcString(tc);
  ASSERT_THAT(s, IsOk());
  EXPECT_FALSE(VendorConsentsUseRanges(*s));
  // One vendor: a range costs 12 + 17 = 29 bits. Below 29 the bitfield wins,
  // at 29 they tie (bitfield), above it the range wins.
  tc.vendor_consents = {29};
  EXPECT_FALSE(VendorConsentsUseRanges(*EncodeTcString(tc)));
  tc.vendor_consents = {30};
  EXPECT_TRUE(VendorConsentsUseRanges(*EncodeTcString(tc)));
}

TEST(TcString, EncodesTimesAsFlooredDeciseconds) {
  TcString tc;
  tc.created = kJan15 + 123'456;
  tc.last_updated = kJan15 + 99'999;
  Result<TcDecoded> d = DecodeTcString(*EncodeTcString(tc));
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->tc.created, kJan15 + 100'000);
  EXPECT_EQ(d->tc.last_updated, kJan15);
  EXPECT_EQ(testing::JsonDoc(TcStringToJson(*d)).Str("/created"), "2026-01-15T00:00:00.100000Z");
}

TEST(TcString, SplitsLongRestrictionsAndMergesThemBack) {
  TcString tc;
  // 5000 separate vendors: more ranges than one entry's 12-bit count holds.
  tc.publisher_restrictions = {{.purpose = 2, .type = 1, .vendors = Iota(1, 9999, 2)}, {.purpose = 1, .type = 0}};
  Result<std::string> s = EncodeTcString(tc);
  ASSERT_THAT(s, IsOk());
  Result<TcDecoded> d = DecodeTcString(*s);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->tc, tc);
}

TEST(TcString, EncoderRejectsWhatNoStringCanHold) {
  auto bad = [](auto change, std::string_view message) {
    TcString tc;
    change(tc);
    EXPECT_THAT(EncodeTcString(tc), StatusIs(StatusCode::kInvalidArgument, HasSubstr(message))) << message;
  };
  bad([](TcString& t) { t.version = 1; }, "version 1 is not 2");
  bad([](TcString& t) { t.consent_language = "en"; }, "`consent_language` must be two letters A-Z, not `en`");
  bad([](TcString& t) { t.publisher_cc = "D"; }, "`publisher_cc` must be two letters");
  bad([](TcString& t) { t.cmp_id = 4096; }, "`cmp_id`: 4096 is not within 0-4095");
  bad([](TcString& t) { t.created = -1; }, "`created` is before 1970");
  bad([](TcString& t) { t.purpose_consents = {25}; }, "`purpose_consents`: 25 is not within 1-24");
  bad([](TcString& t) { t.special_feature_opt_ins = {0}; }, "`special_feature_opt_ins`: 0 is not within 1-12");
  bad([](TcString& t) { t.vendor_consents = {3, 2}; }, "`vendor_consents` must be ascending");
  bad([](TcString& t) { t.vendor_legitimate_interests = {65536}; }, "65536 is not within 1-65535");
  bad([](TcString& t) { t.publisher_restrictions = {{1, 3, {}}}; }, "`publisher_restrictions[0].type`");
  bad([](TcString& t) { t.publisher_restrictions = {{1, 0, {1}}, {1, 0, {2}}}; }, "repeats purpose 1 and type 0");
  bad([](TcString& t) { t.publisher = TcPublisherSegment{.custom_purpose_consents = {1}}; },
      "`publisher.custom_purpose_consents`: 1 is not within 1-0");
}

TEST(TcString, FromJsonRejectsBadInput) {
  EXPECT_THAT(TcStringFromJson("{"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(TcStringFromJson("[]"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be a JSON object")));
  EXPECT_THAT(TcStringFromJson(R"({"cmp":1})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown key `cmp`")));
  EXPECT_THAT(TcStringFromJson(R"({"cmp_id":"1"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`cmp_id` must be an integer")));
  EXPECT_THAT(TcStringFromJson(R"({"created":"yesterday"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`created`")));
  EXPECT_THAT(TcStringFromJson(R"({"vendor_consents":[0]})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`vendor_consents`: 0 is not within")));
}

TEST(TcBits, ReaderNeverReadsPastTheEnd) {
  tcf::BitWriter w;
  w.Write(0b101, 3);
  tcf::BitReader r(w.bits());
  EXPECT_THAT(r.Read(4, "field"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`field` at bit 0 needs 4 bits")));
  EXPECT_EQ(*r.Read(3, "field"), 0b101u);
  EXPECT_THAT(r.Read(1, "next"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("only 0 remain")));
}

TEST(TcBits, BitfieldsAtAnyOffsetReadBackAsIds) {
  // Every start offset within a byte, lengths across the reader's 56-bit
  // chunks, and a pattern with runs and gaps.
  for (int offset = 0; offset < 8; ++offset) {
    for (int count : {0, 1, 7, 55, 56, 57, 113, 300}) {
      std::vector<size_t> set;
      for (int i = 0; i < count; ++i) {
        if (i % 3 == 0 || i % 7 == 5 || (i > 100 && i < 120)) set.push_back(static_cast<size_t>(i));
      }
      tcf::BitWriter w;
      w.Write(0x5a, offset);  // some leading bits, not part of the field
      w.AppendBitfield(static_cast<size_t>(count), set);
      w.Write(1, 1);          // a trailing bit that must not be read
      tcf::BitReader r(w.bits());
      (void)r.Read(offset, "lead");
      ASSERT_EQ(r.CountSetBits(static_cast<size_t>(count)), set.size()) << offset << " " << count;
      std::vector<int> ids(set.size());
      int* end = r.WriteSetBitIds(static_cast<size_t>(count), 1, ids.data());
      EXPECT_EQ(end, ids.data() + ids.size());
      std::vector<int> want;
      for (size_t i : set) want.push_back(static_cast<int>(i) + 1);
      EXPECT_EQ(ids, want) << offset << " " << count;
      EXPECT_EQ(r.position(), static_cast<size_t>(offset + count));
      EXPECT_EQ(*r.Read(1, "trailing"), 1u);
    }
  }
}

TEST(TcBits, Base64UrlRoundTripsAndToleratesPaddingAndTheStandardAlphabet) {
  tcf::BitWriter w;
  w.Write(0xfbff, 16);  // encodes to `-_8`: both URL-safe characters
  EXPECT_EQ(tcf::EncodeBase64UrlBits(w.bits()), "-_8");
  for (std::string_view text : {"-_8", "+/8", "-_8="}) {
    Result<tcf::Bits> bits = tcf::DecodeBase64UrlBits(text);
    ASSERT_THAT(bits, IsOk());
    tcf::BitReader r(*bits);
    EXPECT_EQ(*r.Read(16, "x"), 0xfbffu) << text;
    EXPECT_TRUE(r.RestIsZero());
  }
}

// ---- Property: random valid models round-trip exactly.

std::vector<int> GenIds(int max) {
  // Small ranges make runs (range encoding), wide ones scattered ids.
  const int span = *rc::gen::elementOf(std::vector<int>{std::min(max, 40), max});
  std::vector<int> ids = *rc::gen::container<std::vector<int>>(rc::gen::inRange(1, span + 1));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

TcString GenTcString() {
  constexpr int64_t kMaxDeciseconds = (int64_t{1} << 36) - 1;
  TcString tc;
  tc.created = *rc::gen::inRange<int64_t>(0, kMaxDeciseconds + 1) * 100'000;
  tc.last_updated = *rc::gen::inRange<int64_t>(0, kMaxDeciseconds + 1) * 100'000;
  tc.cmp_id = *rc::gen::inRange(0, 4096);
  tc.cmp_version = *rc::gen::inRange(0, 4096);
  tc.consent_screen = *rc::gen::inRange(0, 64);
  auto letters = [] {
    return std::string{static_cast<char>(*rc::gen::inRange('A', static_cast<char>('Z' + 1))),
                       static_cast<char>(*rc::gen::inRange('A', static_cast<char>('Z' + 1)))};
  };
  tc.consent_language = letters();
  tc.vendor_list_version = *rc::gen::inRange(0, 4096);
  tc.policy_version = *rc::gen::inRange(0, 64);
  tc.is_service_specific = *rc::gen::arbitrary<bool>();
  tc.use_non_standard_texts = *rc::gen::arbitrary<bool>();
  tc.purpose_one_treatment = *rc::gen::arbitrary<bool>();
  tc.publisher_cc = letters();
  tc.special_feature_opt_ins = GenIds(12);
  tc.purpose_consents = GenIds(24);
  tc.purpose_legitimate_interests = GenIds(24);
  tc.vendor_consents = GenIds(65535);
  tc.vendor_legitimate_interests = GenIds(65535);
  const int restrictions = *rc::gen::inRange(0, 4);
  for (int i = 0; i < restrictions; ++i) {
    TcPublisherRestriction r{*rc::gen::inRange(1, 25), *rc::gen::inRange(0, 3), GenIds(65535)};
    bool repeat = std::any_of(tc.publisher_restrictions.begin(), tc.publisher_restrictions.end(),
                              [&](const auto& p) { return p.purpose == r.purpose && p.type == r.type; });
    if (!repeat) tc.publisher_restrictions.push_back(std::move(r));
  }
  if (*rc::gen::arbitrary<bool>()) tc.disclosed_vendors = GenIds(65535);
  if (*rc::gen::arbitrary<bool>()) {
    TcPublisherSegment p;
    p.purpose_consents = GenIds(24);
    p.purpose_legitimate_interests = GenIds(24);
    p.num_custom_purposes = *rc::gen::inRange(0, 64);
    if (p.num_custom_purposes > 0) {
      p.custom_purpose_consents = GenIds(p.num_custom_purposes);
      p.custom_purpose_legitimate_interests = GenIds(p.num_custom_purposes);
    }
    tc.publisher = std::move(p);
  }
  return tc;
}

RC_GTEST_PROP(TcStringProperty, RandomValidModelsRoundTrip, ()) {
  const TcString tc = GenTcString();
  Result<std::string> s = EncodeTcString(tc);
  RC_ASSERT(s.ok());
  Result<TcDecoded> d = DecodeTcString(*s);
  RC_ASSERT(d.ok());
  RC_ASSERT(d->tc == tc);
  Result<TcString> j = TcStringFromJson(TcStringToJson(*d));
  RC_ASSERT(j.ok());
  RC_ASSERT(*j == tc);
}

// ---- The command line.

TEST(TcfCli, DecodePrintsJson) {
  auto r = RunOptin({"tcf", "decode", std::string(kCoreBitfield), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ReadFile(kTcfData + "core_bitfield.json"));
}

TEST(TcfCli, DecodePrintsASummaryWithWarnings) {
  auto r = RunOptin({"tcf", "decode", std::string(kIabExample)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("purpose consents: 1-3\n"));
  EXPECT_THAT(r.out, HasSubstr("warning: policy_version 2"));
}

TEST(TcfCli, DecodeOfAnInvalidStringExitsOne) {
  auto r = RunOptin({"tcf", "decode", "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("version 1 is not 2"));
}

TEST(TcfCli, EncodeReadsTheModelFromStdin) {
  RunOptions options;
  options.stdin_data = ReadFile(kTcfData + "segments.json");
  auto r = RunOptin({"tcf", "encode"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Not the vector's own string: that one range-encodes disclosed vendors
  // 1-50,60 in 62 bits, where the encoder's bitfield takes 60.
  EXPECT_EQ(r.out, "CQeEcwAQeEcwAEsAFBDEC0EgAIAAAAAAAAYgABMAAAAA.IAeP_______8AQ.eAAABAAAAdQ\n");
  Result<TcDecoded> from_cli = DecodeTcString(Trimmed(r.out));
  ASSERT_THAT(from_cli, IsOk());
  EXPECT_EQ(from_cli->tc, DecodeTcString(kSegments)->tc);

  options.stdin_data = R"({"vendor_consents":[2,1]})";
  r = RunOptin({"tcf", "encode"}, options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("`vendor_consents` must be ascending"));

  options.stdin_data = "not json";
  r = RunOptin({"tcf", "encode"}, options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("not valid JSON"));
}

}  // namespace
}  // namespace optin
