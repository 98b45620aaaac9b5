// End-to-end: the `optin` binary as a user runs it (DESIGN §5).
#include <gmock/gmock.h>

#include <filesystem>

#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::JsonDoc;
using ::optin::testing::ReadFile;
using ::optin::testing::RunOptin;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kShopPath = std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml";

class CliTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunOptin(args);
  }
  void Init() {
    auto r = Run({"init"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Run({"catalog", "publish", kShopPath});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Sql(const std::string& sql) {
    std::string cmd = "sqlite3 " + db_ + " \"" + sql + "\" 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << out;
    return out;
  }

  TempDir dir_;
  std::string db_ = dir_.File("optin.db");
};

TEST_F(CliTest, EveryCommandButInitRefusesAMissingStore) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"check", "alice", "ads"}, {"grant", "alice", "ads"}, {"status", "alice"}, {"verify"},
           {"catalog", "show"}, {"catalog", "publish", kShopPath}, {"history", "alice"}}) {
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, 3) << args[0];
    EXPECT_THAT(r.err, HasSubstr("run `optin init`")) << args[0];
  }
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(CliTest, InitCreatesOnceAndDemoPublishes) {
  auto r = Run({"init", "--demo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("published the demo catalog"));
  r = Run({"init"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("exists already"));
  r = Run({"check", "alice", "ad_targeting"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "deny no_consent\n");
  r = Run({"check", "alice", "service"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "allow necessary\n");
}

TEST_F(CliTest, GrantCheckWithdrawRoundTrip) {
  Init();
  auto r = Run({"grant", "alice", "ads", "recommendations"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("granted ads for alice (event 2"));
  r = Run({"check", "alice", "ads"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "allow granted\n");
  r = Run({"check", "alice", "ads", "--json"});
  EXPECT_EQ(r.out, R"({"subject":"alice","purpose":"ads","allowed":true,"reason":"granted","event":2})"
                   "\n");
  r = Run({"withdraw", "alice", "ads"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run({"check", "alice", "ads", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, R"({"subject":"alice","purpose":"ads","allowed":false,"reason":"withdrawn","event":4})"
                   "\n");
  r = Run({"check", "bob", "ads", "--json"});
  EXPECT_EQ(r.out, R"({"subject":"bob","purpose":"ads","allowed":false,"reason":"no_consent","event":null})"
                   "\n");
  r = Run({"check", "bob", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "deny unknown_purpose\n");
}

TEST_F(CliTest, StatusAndHistoryJsonShapes) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads", "--channel", "web"}).exit_code, 0);
  ASSERT_EQ(Run({"withdraw", "alice", "--all"}).exit_code, 0);
  auto r = Run({"status", "alice", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"subject":"alice","purposes":[)"
            R"({"purpose":"delivery","allowed":true,"reason":"necessary","event":1,"withdrawable":false,"expires_at":null},)"
            R"({"purpose":"ads","allowed":false,"reason":"withdrawn","event":3,"withdrawable":false,"expires_at":null},)"
            R"({"purpose":"recommendations","allowed":false,"reason":"withdrawn","event":4,"withdrawable":false,)"
            R"("expires_at":null}]})"
            "\n");
  r = Run({"history", "alice", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, MatchesRegex(R"(\{"subject":"alice","events":\[\{"seq":2,"time":"[0-9T:.-]+Z","purpose":"ads",)"
                                  R"("action":"grant","notice":"[0-9a-f]{64}","channel":"web"\},.*"action":"withdraw".*\]\}
)"));
}

TEST_F(CliTest, SignalsFollowTheSubjectsChoices) {
  Init();
  auto r = Run({"signals", "alice", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonDoc(r.out).Str("/us_privacy"), "1YYN");
  EXPECT_EQ(JsonDoc(r.out).Str("/consent_mode/ad_storage"), "denied");
  ASSERT_EQ(Run({"grant", "alice", "ads"}).exit_code, 0);
  r = Run({"signals", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("GPP sections: tcfeuv2 uspv1 usnat usca\n"));
  EXPECT_THAT(r.out, HasSubstr("Consent Mode: ad_storage=granted ad_user_data=granted ad_personalization=granted "
                               "analytics_storage=denied functionality_storage=granted personalization_storage=denied\n"));
  // The TC string says what was granted: purposes 1, 3, 4 and vendors 10, 755.
  const std::string tc = r.out.substr(14, r.out.find('\n') - 14);
  auto decoded = RunOptin({"tcf", "decode", tc});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err << tc;
  EXPECT_THAT(decoded.out, HasSubstr("purpose consents: 1,3-4\n"));
  EXPECT_THAT(decoded.out, HasSubstr("vendor consents: 10,755\n"));
  EXPECT_EQ(Run({"signals", ""}).exit_code, 2);
}

TEST_F(CliTest, LogHeadsProofsKeysAndAudit) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads"}).exit_code, 0);
  auto a = Run({"log", "head"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(JsonDoc(a.out).At("/tree_size"), "2");
  EXPECT_EQ(JsonDoc(a.out).Str("/root_hash").size(), 64u);
  ASSERT_EQ(Run({"withdraw", "alice", "ads"}).exit_code, 0);
  auto b = Run({"log", "head"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto p = Run({"log", "prove", "2", "--tree-size", "3"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(JsonDoc(p.out).At("/leaf_index"), "1");
  EXPECT_EQ(JsonDoc(p.out).At("/tree_size"), "3");
  p = Run({"log", "prove", "--from", "2", "--to", "3"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(JsonDoc(p.out).At("/first"), "2");
  EXPECT_EQ(JsonDoc(p.out).At("/second"), "3");
  EXPECT_EQ(JsonDoc(p.out).Size("/path"), 1);  // 2 leaves are a whole subtree: only the third is needed
  EXPECT_EQ(Run({"log", "prove"}).exit_code, 2);
  EXPECT_EQ(Run({"log", "prove", "7"}).exit_code, 2);
  auto pem = Run({"log", "key", "--pem"});
  EXPECT_THAT(pem.out, HasSubstr("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
  const std::string head_a = dir_.Write("a.json", a.out), head_b = dir_.Write("b.json", b.out);
  auto audit = Run({"audit", head_a, head_b});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("consistent: the log only grew, from 2 to 3 events"));
  std::string forged = b.out;
  forged.replace(forged.find("\"root_hash\":\"") + 13, 2, forged.substr(forged.find("\"root_hash\":\"") + 13, 2) == "00" ? "11" : "00");
  audit = Run({"audit", head_a, dir_.Write("forged.json", forged)});
  EXPECT_EQ(audit.exit_code, 1);
  EXPECT_THAT(audit.out, HasSubstr("signature does not verify"));
  EXPECT_THAT(Run({"verify"}).out, HasSubstr("log root matches the latest signed tree head (3 events)"));
  // A rotated key signs from then on; the old heads still audit.
  auto rotated = Run({"log", "key", "--rotate"});
  EXPECT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(JsonDoc(rotated.out).Size("/retired_keys"), 1);
  EXPECT_EQ(JsonDoc(rotated.out).Str("/retired_keys/0/key_id").size(), 16u);
  EXPECT_EQ(Run({"audit", head_a, head_b}).exit_code, 0);
}

TEST_F(CliTest, AnEmptyLogsHeadIsExtendedByAnyLog) {
  ASSERT_EQ(Run({"init"}).exit_code, 0);
  auto empty = Run({"log", "head"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(JsonDoc(empty.out).At("/tree_size"), "0");
  ASSERT_EQ(Run({"catalog", "publish", kShopPath}).exit_code, 0);
  const std::string head_a = dir_.Write("a.json", empty.out), head_b = dir_.Write("b.json", Run({"log", "head"}).out);
  auto audit = Run({"audit", head_a, head_b});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("consistent: the log only grew, from 0 to 1 events (every log extends the empty one)"));
  // A head of size 0 with another root is no empty log's.
  std::string forged = empty.out;
  const size_t at = forged.find("\"root_hash\":\"") + 13;
  forged.replace(at, 2, forged.substr(at, 2) == "00" ? "11" : "00");
  audit = Run({"audit", dir_.Write("forged.json", forged), head_b});
  EXPECT_EQ(audit.exit_code, 1);
}

TEST_F(CliTest, ReceiptsAreWrittenAndVerifiedOffline) {
  Init();
  const std::string grant = dir_.File("grant.json"), both = dir_.File("both.json");
  auto r = Run({"grant", "alice", "ads", "--receipt", grant});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run({"grant", "alice", "recommendations", "--receipt", both}).exit_code, 0);
  const std::string key = dir_.Write("key.pem", Run({"log", "key", "--pem"}).out);
  // No store needed to verify.
  auto v = RunOptin({"receipt", "verify", grant, "--key", key});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("receipt 2: grant ads for alice at "));
  EXPECT_THAT(v.out, HasSubstr("  ok     inclusion: event 2 is in the log of 2 events under the signed root\n"));
  EXPECT_THAT(v.out, HasSubstr("VALID\n"));
  v = RunOptin({"receipt", "verify", grant});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, HasSubstr("note: checked against the key inside the receipt"));
  std::string text = ReadFile(grant);
  text.replace(text.find("\"subject\":\"alice\""), 17, "\"subject\":\"alize\"");
  v = RunOptin({"receipt", "verify", dir_.Write("forged.json", text), "--key", key});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_THAT(v.out, HasSubstr("FAILED signature: the Ed25519 signature is not valid for this key"));
  EXPECT_THAT(v.out, HasSubstr("INVALID\n"));
  auto list = Run({"receipt", "list", "alice"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  v = RunOptin({"receipt", "verify", dir_.Write("all.json", list.out), "--key", key});
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(std::count(v.out.begin(), v.out.end(), 'V'), 2);  // two VALID lines
  EXPECT_EQ(RunOptin({"receipt", "verify", dir_.Write("bad.json", "{}")}).exit_code, 2);
  auto none = RunOptin({"receipt", "verify", dir_.Write("none.json", "[]")});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("the list holds no receipt"));
  // The key may also be given as the base64 that GET /v1/log/key shows.
  const std::string base64 = JsonDoc(Run({"log", "key"}).out).Str("/public_key");
  EXPECT_EQ(RunOptin({"receipt", "verify", grant, "--key", base64}).exit_code, 0);
  auto unreadable = RunOptin({"receipt", "verify", grant, "--key", dir_.File("nowhere.pem")});
  EXPECT_EQ(unreadable.exit_code, 3);
  EXPECT_THAT(unreadable.err, HasSubstr("is neither a readable file nor a base64 key"));
  // After a rotation the old receipts verify with the retired key, which
  // `log key` lists; the new key says where to look.
  ASSERT_EQ(Run({"log", "key", "--rotate"}).exit_code, 0);
  auto rotated = RunOptin({"receipt", "verify", grant, "--key", dir_.Write("new.pem", Run({"log", "key", "--pem"}).out)});
  EXPECT_EQ(rotated.exit_code, 1);
  EXPECT_THAT(rotated.out, HasSubstr("list the retired keys"));
  const std::string retired = JsonDoc(Run({"log", "key"}).out).Str("/retired_keys/0/public_key");
  EXPECT_EQ(RunOptin({"receipt", "verify", grant, "--key", retired}).exit_code, 0);
}

TEST_F(CliTest, AReceiptPathThatCannotBeWrittenRecordsNothing) {
  Init();
  auto r = Run({"grant", "alice", "ads", "--receipt", dir_.File("no/such/dir/r.json")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("nothing was recorded"));
  EXPECT_THAT(Run({"history", "alice"}).out, HasSubstr("no events about alice"));
  // A refused change leaves no empty receipt file behind.
  const std::string receipt = dir_.File("r.json");
  EXPECT_NE(Run({"grant", "alice", "nope", "--receipt", receipt}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(receipt));
}

TEST_F(CliTest, EraseLeavesNothingReadableAndTheLedgerVerifiable) {
  Init();
  const std::string id = "customer-7f3a9c@example.net";
  ASSERT_EQ(Run({"grant", id, "ads", "recommendations"}).exit_code, 0);
  auto exported = Run({"export", id});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  JsonDoc record(exported.out);
  EXPECT_EQ(record.Str("/subject"), id);
  EXPECT_TRUE(record.Has("/exported"));
  EXPECT_EQ(record.Size("/notices"), 2);
  EXPECT_EQ(record.Str("/notices/0/version").size(), 64u);
  EXPECT_EQ(record.Size("/receipts"), 2);
  auto html = Run({"export", id, "--html", "--locale", "ja"});
  EXPECT_THAT(html.out, HasSubstr("<h1>Example Shopが保有しているお客様の情報のすべて</h1>"));
  const std::string key = Sql("SELECT hex(key) FROM subject_keys");
  ASSERT_EQ(key.size(), 65u) << key;  // 32 bytes in hex and a newline
  auto r = Run({"erase", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("erased " + id + " (event 4)"));
  EXPECT_EQ(Run({"check", id, "ads"}).out, "deny no_consent\n");
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT count(*) FROM subject_keys"), "0\n");
  // Neither the id nor the destroyed key is anywhere in the store's files.
  std::string lower = key.substr(0, 64);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& file : {db_, db_ + "-wal"}) {
    if (!std::filesystem::exists(file)) continue;
    const std::string bytes = ReadFile(file);
    EXPECT_EQ(bytes.find(id), std::string::npos) << file;
    std::string hex;
    for (unsigned char c : bytes) {
      static constexpr char kHex[] = "0123456789abcdef";
      hex += kHex[c >> 4];
      hex += kHex[c & 15];
    }
    EXPECT_EQ(hex.find(lower), std::string::npos) << file << " still holds the key";
  }
  EXPECT_THAT(Run({"history", id}).out, HasSubstr("no events about"));
  EXPECT_EQ(Run({"erase", id}).exit_code, 3);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  Init();
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({"frobnicate"}).exit_code, 2);
  auto missing = Run({"check", "alice"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, ::testing::StartsWith("optin: PURPOSE is required"));
  EXPECT_EQ(Run({"withdraw", "alice"}).exit_code, 2);
  EXPECT_EQ(Run({"withdraw", "alice", "ads", "--all"}).exit_code, 2);
  auto r = Run({"grant", std::string(300, 'x'), "ads"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("at most 256"));
  r = Run({"grant", "alice", "ads", "--channel", "fax"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown channel `fax`"));
}

TEST_F(CliTest, DataErrorsExitThreeAndRecordNothing) {
  Init();
  auto r = Run({"grant", "alice", "ads", "nope"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("unknown purpose `nope`"));
  r = Run({"grant", "alice", "delivery"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("necessary"));
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "deny no_consent\n");
  EXPECT_THAT(Run({"verify"}).out, HasSubstr("hash chain consistent: 1 events"));
}

TEST_F(CliTest, LintReportsEveryErrorWithPositions) {
  std::string bad = dir_.Write("bad.yaml",
                               "organization: {name: X}\nlocales: [en]\npurposes:\n  ads:\n    basis: consent\n"
                               "    title: {en: Ads}\n    description: {en: d}\n    data: [nothing]\n    colour: red\n");
  auto r = RunOptin({"catalog", "lint", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(bad + ":5:5: purpose `ads` is a consent purpose and needs a `benefit`"));
  EXPECT_THAT(r.err, HasSubstr(bad + ":8:12: purpose `ads` uses data category `nothing`"));
  EXPECT_THAT(r.err, HasSubstr(bad + ":9:5: unknown key `colour`"));
  r = RunOptin({"catalog", "lint", kShopPath});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok (3 purposes"));
  EXPECT_EQ(RunOptin({"catalog", "lint", dir_.File("missing.yaml")}).exit_code, 3);
}

TEST_F(CliTest, PublishingAnInvalidCatalogChangesNothing) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads"}).exit_code, 0);
  std::string bad = dir_.Write("bad.yaml", "organization: [\n");
  auto r = Run({"catalog", "publish", bad});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("malformed YAML"));
  std::string binary = dir_.Write("bin.yaml", std::string("\x7f" "ELF\0\0\0\x01", 8));
  r = Run({"catalog", "publish", binary});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("binary"));
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "allow granted\n");
  EXPECT_THAT(Run({"verify"}).out, HasSubstr("hash chain consistent: 2 events"));
}

TEST_F(CliTest, PublishReportsMaterialAndEditorialChanges) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads", "recommendations"}).exit_code, 0);
  std::string shop = ReadFile(kShopPath);
  auto edit = [&](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  std::string changed = edit(edit(shop, "Ads that fit you.", "Ads that fit you well."), "Useful suggestions.",
                             "Suggestions you may like.");
  auto r = Run({"catalog", "publish", dir_.Write("v2.yaml", changed), "--editorial", "recommendations"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("changed:   ads (material"));
  EXPECT_THAT(r.out, HasSubstr("editorial: recommendations (existing consents carried over"));
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "deny notice_changed\n");
  EXPECT_EQ(Run({"check", "alice", "recommendations"}).out, "allow granted\n");
  r = Run({"catalog", "publish", kShopPath, "--editorial", "nope"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliTest, EditorialIsRefusedForAMaterialChangeAndTheDiffIsKept) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads"}).exit_code, 0);
  std::string shop = ReadFile(kShopPath);
  auto edit = [&](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  // A new third party under cover of a text edit.
  std::string broker = edit(edit(shop, "Ads that fit you.", "Ads that suit you."),
                            "{name: Example Exchange, role: third_party}]",
                            "{name: Example Exchange, role: third_party}, {name: Data Broker Inc, role: third_party}]");
  auto r = Run({"catalog", "publish", dir_.Write("broker.yaml", broker), "--editorial", "ads"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "optin: nothing was published:\n  `ads`: `recipients` adds `Data Broker Inc` (third_party) "
                   "(material whatever the publisher says: publish it as changed, not editorial, so that earlier "
                   "consents lapse)\noptin: publish again without `--editorial` for the purposes named above\n");
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "allow granted\n");

  // A text-only change may be editorial; publish shows its word diff.
  std::string words = edit(edit(shop, "Ads that fit you.", "Ads that suit you."), "あなたに合った広告。", "あなたにぴったりの広告。");
  r = Run({"catalog", "publish", dir_.Write("words.yaml", words), "--editorial", "ads"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  changed texts ([-removed-] {+added+}):\n"
                               "    ads benefit [en]: Ads that [-fit-]{+suit+} you.\n"
                               "    ads benefit [ja]: あなたに[-合った-]{+ぴったりの+}広告。\n"));
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "allow granted\n");

  // Afterwards (a new process replays the ledger) a reviewer sees it.
  r = Run({"catalog", "history"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  editorial: ads\n  changed texts ([-removed-] {+added+}):\n"
                               "    ads benefit [en]: Ads that [-fit-]{+suit+} you.\n"));
  r = Run({"catalog", "history", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc history(r.out);
  const std::string last = "/publications/" + std::to_string(history.Size("/publications") - 1);
  EXPECT_EQ(history.At(last + "/editorial"), R"(["ads"])");
  EXPECT_EQ(history.At(last + "/removed"), "[]");
  EXPECT_EQ(history.At(last + "/texts/0"),
            R"({"purpose":"ads","field":"benefit","locale":"en","diff":"Ads that [-fit-]{+suit+} you."})");
}

TEST_F(CliTest, CatalogShowInEachLocale) {
  Init();
  auto r = Run({"catalog", "show", "--json", "--locale", "ja"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonDoc shown(r.out);
  EXPECT_EQ(shown.At("/organization"), R"({"name":"Example Shop","contact":"privacy@shop.example"})");
  EXPECT_EQ(shown.Str("/locale"), "ja");
  EXPECT_EQ(shown.Str("/purposes/1/title"), "パーソナライズ広告");
  r = Run({"catalog", "show"});
  EXPECT_THAT(r.out, HasSubstr("ads (consent, notice "));
  EXPECT_EQ(Run({"catalog", "show", "--locale", "fr"}).exit_code, 2);
}

TEST_F(CliTest, WorksOnACatalogInAnotherStyle) {
  const std::string streaming = std::string(OPTIN_TESTDATA) + "/catalogs/streaming.yaml";
  auto r = RunOptin({"catalog", "lint", streaming});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok (3 purposes, 2 data categories, locales en, fr, ja)"));
  ASSERT_EQ(Run({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"catalog", "publish", streaming}).exit_code, 0);
  r = Run({"catalog", "show", "--json", "--locale", "fr"});
  EXPECT_EQ(JsonDoc(r.out).Str("/organization/name"), "Example Streaming, Inc.");
  EXPECT_EQ(JsonDoc(r.out).Str("/purposes/1/data/0/description"), "Les émissions que vous avez regardées et quand.\n");
  EXPECT_EQ(Run({"check", "viewer-1", "streaming"}).out, "allow necessary\n");
  EXPECT_EQ(Run({"check", "viewer-1", "voice_training"}).out, "deny no_consent\n");
  ASSERT_EQ(Run({"grant", "viewer-1", "voice_training", "recommendations", "--channel", "web"}).exit_code, 0);
  EXPECT_EQ(Run({"check", "viewer-1", "voice_training"}).out, "allow granted\n");
  ASSERT_EQ(Run({"withdraw", "viewer-1", "voice_training"}).exit_code, 0);
  r = Run({"status", "viewer-1"});
  EXPECT_THAT(r.out, HasSubstr("voice_training   deny   withdrawn"));
  EXPECT_THAT(r.out, HasSubstr("recommendations  allow  granted"));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

TEST_F(CliTest, RefusesForeignAndCorruptStoresUntouched) {
  std::string notes = dir_.Write("notes.txt", "not a database\n");
  auto r = RunOptin({"--db", notes, "check", "alice", "ads"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("not an optin store"));
  EXPECT_EQ(ReadFile(notes), "not a database\n");
  r = RunOptin({"--db", notes, "init"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(ReadFile(notes), "not a database\n");
}

TEST_F(CliTest, AFullDiskLosesNoAcknowledgedGrant) {
  Init();
  std::vector<std::string> acknowledged;
  int refused = 0;
  for (int i = 0; i < 400 && refused < 3; ++i) {
    std::string subject = "s" + std::to_string(i);
    auto r = RunOptin({"--db", db_, "grant", subject, "ads"}, {.env = {}, .max_file_bytes = 40 * 1024});
    if (r.exit_code == 0) {
      acknowledged.push_back(subject);
    } else {
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_THAT(r.err, HasSubstr("is the disk full?"));
      EXPECT_THAT(r.err, HasSubstr("nothing of this change was recorded"));
      ++refused;
    }
  }
  ASSERT_GT(refused, 0) << "the limit was never reached";
  ASSERT_GT(acknowledged.size(), 0u);
  // With room again, everything acknowledged is there and the ledger verifies.
  auto v = Run({"verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  for (const auto& s : acknowledged) EXPECT_EQ(Run({"check", s, "ads"}).out, "allow granted\n") << s;
  EXPECT_EQ(Run({"check", "s" + std::to_string(acknowledged.size() + refused - 1), "ads"}).out, "deny no_consent\n");
}

// Tampering: each kind of edit is found, naming the first bad event.
class TamperTest : public CliTest {
 protected:
  void SetUp() override {
    Init();
    for (const char* s : {"alice", "bob", "carol", "dave"}) ASSERT_EQ(Run({"grant", s, "ads"}).exit_code, 0);
    ASSERT_EQ(Run({"verify"}).exit_code, 0);  // events 1..5
  }
  void ExpectTamperedAt(int seq) {
    auto r = Run({"verify"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("ledger tampered: event " + std::to_string(seq) + ":"));
    // Nothing else will run on a ledger that does not verify.
    auto c = Run({"check", "alice", "ads"});
    EXPECT_EQ(c.exit_code, 3);
    EXPECT_THAT(c.err, HasSubstr("optin verify"));
  }
};

TEST_F(TamperTest, ModifiedEvent) {
  // Flip one byte inside event 3's body.
  Sql("UPDATE events SET body = substr(body, 1, 20) || x'ff' || substr(body, 22) WHERE seq = 3");
  ExpectTamperedAt(3);
}

TEST_F(TamperTest, DeletedEvent) {
  Sql("DELETE FROM events WHERE seq = 2");
  ExpectTamperedAt(2);
}

TEST_F(TamperTest, InsertedEvent) {
  Sql("UPDATE events SET seq = seq + 100 WHERE seq >= 4; UPDATE events SET seq = seq - 99 WHERE seq >= 104;"
      "INSERT INTO events(seq, subject_ref, body, hash) SELECT 4, subject_ref, body, hash FROM events WHERE seq = 3");
  ExpectTamperedAt(4);
}

TEST_F(TamperTest, ReorderedEvents) {
  Sql("UPDATE events SET seq = -1 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 "
      "WHERE seq = -1");
  ExpectTamperedAt(3);
}

TEST_F(TamperTest, HashRewrittenForAModifiedEvent) {
  // Whoever edits event 2 and fixes its hash still breaks event 3's link.
  Sql("UPDATE events SET body = substr(body, 1, 20) || x'ff' || substr(body, 22), hash = zeroblob(32) WHERE seq = 2");
  ExpectTamperedAt(2);
}

TEST_F(TamperTest, HashOfTheWrongSize) {
  Sql("UPDATE events SET hash = x'00' WHERE seq = 5");
  ExpectTamperedAt(5);
}

TEST_F(CliTest, ASubjectWhoseKeyWasDestroyedIsUnknownAndMayReturn) {
  Init();
  ASSERT_EQ(Run({"grant", "alice", "ads"}).exit_code, 0);
  // Destroying the per-subject key (what erasure does) forgets the person...
  Sql("DELETE FROM subject_keys");
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "deny no_consent\n");
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
  // ...and a returning customer starts afresh under a new key.
  ASSERT_EQ(Run({"grant", "alice", "recommendations"}).exit_code, 0);
  EXPECT_EQ(Run({"check", "alice", "recommendations"}).out, "allow granted\n");
  EXPECT_EQ(Run({"check", "alice", "ads"}).out, "deny no_consent\n");
  JsonDoc h(Run({"history", "alice", "--json"}).out);
  ASSERT_EQ(h.Size("/events"), 1);  // nothing from before the erasure
  EXPECT_EQ(h.Str("/events/0/purpose"), "recommendations");
}

}  // namespace
}  // namespace optin
