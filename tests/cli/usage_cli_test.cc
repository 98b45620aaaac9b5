// `optin filter --recipient` and `optin usage`: a pipeline that names who
// uses the records lets through only what the notice allows that recipient,
// and what it used is kept as usage the customer and the company can read.
#include <gmock/gmock.h>

#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::JsonDoc;
using ::optin::testing::RunOptin;
using ::optin::testing::RunOptions;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

class UsageCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"init"}).exit_code, 0);
    ASSERT_EQ(Cli({"catalog", "publish", std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"}).exit_code, 0);
    ASSERT_EQ(Cli({"grant", "alice", "ads"}).exit_code, 0);
    ASSERT_EQ(Cli({"grant", "carol", "ads"}).exit_code, 0);
    ASSERT_EQ(Cli({"withdraw", "carol", "ads"}).exit_code, 0);
  }
  CommandResult Cli(std::vector<std::string> args, const std::string& stdin_data = "") {
    args.insert(args.begin(), {"--db", dir_.File("optin.db")});
    RunOptions options;
    if (!stdin_data.empty()) options.stdin_data = stdin_data;
    return RunOptin(args, options);
  }
  TempDir dir_;
};

constexpr const char* kRecords =
    "{\"subject\":\"alice\",\"page\":\"/a\"}\n{\"subject\":\"alice\",\"page\":\"/b\"}\n"
    "{\"subject\":\"bob\",\"page\":\"/c\"}\n{\"subject\":\"carol\",\"page\":\"/d\"}\n";

TEST_F(UsageCliTest, AFilterRunIsKeptAsUsage) {
  CommandResult r = Cli({"filter", "--purpose", "ads", "--recipient", "example_ads", "--stats"}, kRecords);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"subject\":\"alice\",\"page\":\"/a\"}\n{\"subject\":\"alice\",\"page\":\"/b\"}\n");
  r = Cli({"usage", "show", "alice", "--json", "--locale", "ja"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc usage(r.out);
  ASSERT_EQ(usage.Size("/usage"), 1) << r.out;
  EXPECT_EQ(usage.Str("/usage/0/recipient"), "example_ads");
  EXPECT_EQ(usage.Str("/usage/0/name"), "エグザンプル広告");
  EXPECT_EQ(usage.Size("/usage/0/days"), 1);
  EXPECT_THAT(Cli({"usage", "show", "alice"}).out, HasSubstr("ads by example_ads: 1 day, "));
  EXPECT_EQ(Cli({"usage", "show", "bob"}).out, "no use of bob's data is kept\n");
  // The company sees who asked for whom it was not allowed.
  r = Cli({"usage", "denied"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" ads by example_ads: 1 denied no_consent\n"));
  EXPECT_THAT(r.out, HasSubstr(" ads by example_ads: 1 denied withdrawn\n"));
  EXPECT_EQ(JsonDoc(Cli({"usage", "denied", "--json", "--days", "1"}).out).Size("/denied"), 2);
}

TEST_F(UsageCliTest, ARecipientTheNoticeDoesNotNameGetsNothing) {
  CommandResult r = Cli({"filter", "--purpose", "ads", "--recipient", "warehouse", "--stats"}, kRecords);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("\"recipient_not_declared\":2"));
  r = Cli({"filter", "--purpose", "ads", "--recipient", "example_adz"}, kRecords);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("recipient `example_adz` is not a recipient of the catalog in force (did you mean "
                               "`example_ads`?)"));
  EXPECT_EQ(Cli({"usage", "denied", "--days", "0"}).exit_code, 2);
  EXPECT_EQ(Cli({"usage", "show", "bad\tid"}).exit_code, 2);
}

}  // namespace
}  // namespace optin
