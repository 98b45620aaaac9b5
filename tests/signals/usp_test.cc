#include <gmock/gmock.h>

#include "optin/signals.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::RunOptin;
using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

TEST(UspString, DecodesTheSpecificationsExamples) {
  auto a = DecodeUspString("1YNN");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(*a, (UspString{true, false, false}));
  EXPECT_EQ(*DecodeUspString("1YYY"), (UspString{true, true, true}));
  EXPECT_EQ(*DecodeUspString("1---"), (UspString{}));
  EXPECT_EQ(*DecodeUspString("1ny-"), (UspString{false, true, std::nullopt}));
}

TEST(UspString, EveryModelRoundTrips) {
  const std::optional<bool> values[] = {std::nullopt, false, true};
  int n = 0;
  for (auto notice : values) {
    for (auto sale : values) {
      for (auto lspa : values) {
        UspString usp{notice, sale, lspa};
        std::string text = EncodeUspString(usp);
        ASSERT_EQ(text.size(), 4u);
        EXPECT_EQ(*DecodeUspString(text), usp) << text;
        ++n;
      }
    }
  }
  EXPECT_EQ(n, 27);
  EXPECT_EQ(UspStringToJson(*DecodeUspString("1YN-")),
            R"({"version":1,"notice":true,"opt_out_sale":false,"lspa_covered":null})");
}

TEST(UspString, RefusesMalformedStrings) {
  EXPECT_THAT(DecodeUspString(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("has 4 characters")));
  EXPECT_THAT(DecodeUspString("1YNNN"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("this has 5")));
  EXPECT_THAT(DecodeUspString("2YNN"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("version `2` is not 1")));
  EXPECT_THAT(DecodeUspString("1YXN"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("opt-out-of-sale character (3rd) is `X`")));
}

TEST(UspCli, DecodesAndEncodes) {
  auto d = RunOptin({"usp", "decode", "1YYN", "--json"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out, "{\"version\":1,\"notice\":true,\"opt_out_sale\":true,\"lspa_covered\":false}\n");
  EXPECT_EQ(RunOptin({"usp", "decode", "1YZN"}).exit_code, 1);
  auto e = RunOptin({"usp", "encode", "--notice", "Y", "--opt-out-sale", "N"});
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "1YN-\n");
  EXPECT_EQ(RunOptin({"usp", "encode", "--lspa", "maybe"}).exit_code, 2);
}

}  // namespace
}  // namespace optin
