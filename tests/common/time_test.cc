#include "src/common/time.h"

#include <gmock/gmock.h>

#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

int64_t T(std::string_view s) { return ParseRfc3339(s).value(); }

TEST(IsoDuration, ParsesDateAndTimeComponents) {
  EXPECT_EQ(ParseIsoDuration("P13M").value(), (IsoDuration{13, 0}));
  EXPECT_EQ(ParseIsoDuration("P1Y2M").value(), (IsoDuration{14, 0}));
  EXPECT_EQ(ParseIsoDuration("P2W").value(), (IsoDuration{0, 14 * 86400}));
  EXPECT_EQ(ParseIsoDuration("P1DT2H3M4S").value(), (IsoDuration{0, 86400 + 7200 + 180 + 4}));
  EXPECT_EQ(ParseIsoDuration("PT36H").value(), (IsoDuration{0, 36 * 3600}));
}

TEST(IsoDuration, RejectsMalformedText) {
  for (std::string_view bad : {"", "13M", "P", "PT", "P1", "P1X", "P1M1Y", "P1H", "PT1D", "P1MT", "P-1M", "P1.5M", "P10001Y", "PT999999999999S",
                               "P99999999999Y"}) {
    EXPECT_THAT(ParseIsoDuration(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("ISO 8601"))) << bad;
  }
}

TEST(IsoDuration, FormatsCanonically) {
  EXPECT_EQ(FormatIsoDuration(ParseIsoDuration("P12M").value()), "P1Y");
  EXPECT_EQ(FormatIsoDuration(ParseIsoDuration("P13M").value()), "P1Y1M");
  EXPECT_EQ(FormatIsoDuration(ParseIsoDuration("PT90M").value()), "PT1H30M");
  EXPECT_EQ(FormatIsoDuration(ParseIsoDuration("P2W").value()), "P14D");
  EXPECT_EQ(FormatIsoDuration(IsoDuration{}), "PT0S");
}

TEST(AddDuration, AddsCalendarMonthsClampingTheDay) {
  EXPECT_EQ(AddDuration(T("2025-01-31T10:00:00Z"), {1, 0}), T("2025-02-28T10:00:00Z"));
  EXPECT_EQ(AddDuration(T("2024-01-31T10:00:00Z"), {1, 0}), T("2024-02-29T10:00:00Z"));
  EXPECT_EQ(AddDuration(T("2025-11-15T00:00:00Z"), {13, 0}), T("2026-12-15T00:00:00Z"));
  EXPECT_EQ(AddDuration(T("2025-11-15T00:00:00Z"), {0, 86400}), T("2025-11-16T00:00:00Z"));
}

TEST(Rfc3339, RoundTrips) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(T("2026-11-29T06:25:51Z")), "2026-11-29T06:25:51Z");
  EXPECT_EQ(FormatRfc3339(T("2026-11-29T06:25:51.5Z")), "2026-11-29T06:25:51.500000Z");
  EXPECT_EQ(T("2026-11-29T07:25:51+01:00"), T("2026-11-29T06:25:51Z"));
  EXPECT_THAT(ParseRfc3339("2026-02-30T00:00:00Z"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("RFC 3339")));
  EXPECT_THAT(ParseRfc3339("yesterday"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("RFC 3339")));
}

}  // namespace
}  // namespace optin
