// The command line as a newcomer meets it: errors that say what happened
// and what to do, links that point where the server is, durations in words.
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::RunOptin;
using ::optin::testing::ServerProcess;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";
const std::string kMoreHelp = "\nRun with --help for more information.\n";

class UsageTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunOptin(args);
  }
  void Init() {
    ASSERT_EQ(Run({"init"}).exit_code, 0);
    ASSERT_EQ(Run({"catalog", "publish", kShopPath}).exit_code, 0);
  }

  TempDir dir_;
  std::string db_ = dir_.File("optin.db");
};

TEST_F(UsageTest, ASubjectThatStartsWithADashNeedsDoubleDash) {
  Init();
  auto r = Run({"grant", "-alice", "ads"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "optin: `-alice` is not an option of `optin grant`; use -- before a subject that starts with -, as "
                   "in `optin grant -- -alice ...`" + kMoreHelp);
  r = Run({"check", "alice", "--jsn"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("`--jsn` is not an option of `optin check`"));
  ASSERT_EQ(Run({"grant", "--", "-alice", "ads"}).exit_code, 0);
  EXPECT_EQ(Run({"check", "--", "-alice", "ads"}).out, "allow granted\n");
}

TEST_F(UsageTest, AnUnknownCommandNamesTheClosestOne) {
  auto r = RunOptin({"chek", "alice", "ads"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "optin: unknown command `chek`; did you mean `check`?" + kMoreHelp);
  r = RunOptin({"catalog", "lnt", "x.yaml"});
  EXPECT_EQ(r.err, "optin: unknown command `catalog lnt`; did you mean `lint`?" + kMoreHelp);
  r = RunOptin({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("optin: unknown command `frobnicate` (the commands are init, catalog, grant,"));
}

TEST_F(UsageTest, VersionAndHelp) {
  auto r = RunOptin({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ::testing::MatchesRegex("optin [0-9]+\\.[0-9]+\\.[0-9]+\n"));
  r = RunOptin({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("postgresql://USER@HOST:PORT/DB"));
  // Where the documentation is, and that every page it names exists.
  for (const char* page : {"docs/cli.md", "docs/api.md", "docs/catalog.md", "docs/signals.md", "docs/proof.md",
                           "docs/privacy.md", "docs/filter.md", "docs/storage.md", "docs/deployment.md"}) {
    EXPECT_THAT(r.out, HasSubstr(page));
    EXPECT_TRUE(std::ifstream(std::string(OPTIN_SOURCE_DIR) + "/" + page).good()) << page;
  }
}

TEST_F(UsageTest, StatusBeforeAnyCatalogSaysSo) {
  ASSERT_EQ(Run({"init"}).exit_code, 0);
  auto r = Run({"status", "alice"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "optin: no catalog has been published yet, so there are no purposes to show; run `optin catalog "
                   "publish FILE`\n");
}

TEST_F(UsageTest, LintOfADirectoryIsAnErrorNotAnInvalidCatalog) {
  auto r = RunOptin({"catalog", "lint", dir_.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "optin: `" + dir_.path().string() + "` is a directory; name a catalog file\n");
}

TEST_F(UsageTest, CatalogShowTakesARegionalTagAsTheApiDoes) {
  Init();
  auto ja = Run({"catalog", "show", "--locale", "ja"});
  ASSERT_EQ(ja.exit_code, 0) << ja.err;
  EXPECT_EQ(Run({"catalog", "show", "--locale", "ja-JP"}).out, ja.out);
  EXPECT_EQ(Run({"catalog", "show", "--locale", "JA"}).out, ja.out);
  auto fr = Run({"catalog", "show", "--locale", "fr-FR"});
  EXPECT_EQ(fr.exit_code, 2);
  EXPECT_EQ(fr.err, "optin: the catalog has no locale `fr-FR` (it has en, ja)\n");
}

TEST_F(UsageTest, DurationsAreShownInWords) {
  Init();
  auto en = Run({"catalog", "show"});
  EXPECT_THAT(en.out, HasSubstr("  kept for: 1 year 1 month\n  consent expires after: 1 year\n"));
  auto ja = Run({"catalog", "show", "--locale", "ja"});
  EXPECT_THAT(ja.out, HasSubstr("  kept for: 1年1か月\n  consent expires after: 1年\n"));
}

TEST_F(UsageTest, StoreCopyOntoAnExistingStoreSaysTheTargetExists) {
  Init();
  const std::string other = dir_.File("other.db");
  ASSERT_EQ(RunOptin({"--db", other, "init"}).exit_code, 0);
  auto r = RunOptin({"store", "copy", "--from", db_, "--to", other});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "optin: the target `" + other + "` exists already; store copy never writes over a store (remove "
                   "it, or name a new one)\n");
}

TEST_F(UsageTest, ALinkPointsWhereTheServerIsNeverAtAGuess) {
  Init();
  auto r = Run({"link", "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("optin: no server has run on this store, so optin does not know where the preference "
                               "center is"));
  r = Run({"link", "alice", "--base-url", "privacy.example.com"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--base-url: `privacy.example.com` is not a URL to link to: it must start with http:// "
                               "or https://"));
  for (const char* bad : {"javascript:alert(1)", "https://", "https://x.example/?a=b", "https://x .example"}) {
    EXPECT_EQ(Run({"link", "alice", "--base-url", bad}).exit_code, 2) << bad;
  }
  {
    // The server keeps the address it was bound to; links use it.
    ServerProcess server(db_);
    ASSERT_GT(server.port(), 0) << server.Stderr();
    r = Run({"link", "alice"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, StartsWith("http://127.0.0.1:" + std::to_string(server.port()) + "/p/"));
  }
  {
    ServerProcess server(db_, {"--public-url", "https://privacy.shop.example/"});
    ASSERT_GT(server.port(), 0) << server.Stderr();
    EXPECT_THAT(Run({"link", "alice"}).out, StartsWith("https://privacy.shop.example/p/"));
  }
  auto bad = Run({"serve", "--listen", "127.0.0.1:0", "--public-url", "privacy.shop.example"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--public-url: `privacy.shop.example` is not a URL to link to"));
}

TEST_F(UsageTest, AnOptOutLinkForAnEmailWithdrawsItsPurposeWhenPostedToTheServer) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads", "recommendations"}).exit_code, 0);
  ServerProcess server(db_);
  ASSERT_GT(server.port(), 0) << server.Stderr();
  auto r = Run({"link", "alice", "--unsubscribe", "ads", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::JsonDoc doc(r.out);
  const std::string prefix = "http://127.0.0.1:" + std::to_string(server.port()) + "/u/";
  ASSERT_THAT(doc.Str("/url"), StartsWith(prefix));
  EXPECT_EQ(doc.Str("/headers/List-Unsubscribe"), "<" + doc.Str("/url") + ">");
  EXPECT_EQ(doc.Str("/headers/List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  // What a mail provider sends (RFC 8058 §3.1), and nothing more.
  testing::HttpResult posted = testing::Http(server.port(), "POST", "/u/" + doc.Str("/token"),
                                             "List-Unsubscribe=One-Click",
                                             std::vector<std::string>{"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "deny withdrawn\n");
  EXPECT_EQ(Run({"check", "alice", "recommendations"}).out, "allow granted\n");
  // Without --json, just the URL; the opt-out link of a necessary purpose
  // is refused.
  EXPECT_THAT(Run({"link", "alice", "--unsubscribe", "recommendations"}).out, StartsWith(prefix));
  r = Run({"link", "alice", "--unsubscribe", "delivery"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("`delivery` is necessary: there is nothing to opt out of"));
}

TEST_F(UsageTest, RecipientsAreListedShownAndGivenASecretFromTheCatalogInForce) {
  ASSERT_EQ(Run({"init"}).exit_code, 0);
  auto r = Run({"recipients", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("no catalog has been published yet"));
  ASSERT_EQ(Run({"catalog", "publish", std::string(OPTIN_TESTDATA) + "/catalogs/recipients.yaml"}).exit_code, 0);
  r = Run({"recipients", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("example_exchange  Example Exchange Ltd  (third_party, GB, told by pull)  purposes: ads\n"));
  r = Run({"recipients", "show", "example_ads", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::JsonDoc doc(r.out);
  EXPECT_EQ(doc.Str("/delivery"), "webhook");
  EXPECT_EQ(doc.Str("/ack_within"), "PT12H");
  EXPECT_EQ(doc.At("/purposes"), R"([{"id":"ads","data":["clicks"]}])");
  EXPECT_THAT(Run({"recipients", "show", "warehouse"}).out, HasSubstr("  receives recommendations: orders\n"));
  r = Run({"recipients", "show", "nope"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("no recipient `nope` is in the catalog in force (it has example_ads, example_exchange, "
                               "warehouse)"));
  // The secret: made once, printed again the same, rotated with an overlap.
  const std::string secret = Run({"recipients", "secret", "example_ads"}).out;
  EXPECT_THAT(secret, StartsWith("whsec_"));
  EXPECT_EQ(Run({"recipients", "secret", "example_ads"}).out, secret);
  r = Run({"recipients", "secret", "example_ads", "--rotate", "--overlap", "P1D", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::JsonDoc rotated(r.out);
  EXPECT_NE(rotated.Str("/secret") + "\n", secret);
  EXPECT_EQ(rotated.Size("/signing"), 2);
  EXPECT_EQ(rotated.At("/signing/0/retires"), "null");
  EXPECT_EQ(Run({"recipients", "secret", "example_exchange"}).exit_code, 3);
  EXPECT_EQ(Run({"recipients", "secret", "example_ads", "--rotate", "--overlap", "a day"}).exit_code, 2);
}

}  // namespace
}  // namespace optin
