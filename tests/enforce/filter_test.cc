// The consent stream filter: golden files, byte-identical kept records, bad
// input, and thousands of random records and consent states checked against
// a slow reference (tests/enforce/reference_filter.py, Python's json).
#include <gmock/gmock.h>

#include <random>

#include "optin/enforce.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::RunCommand;
using ::optin::testing::RunOptin;
using ::optin::testing::RunOptions;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

const std::string kData = std::string(OPTIN_TESTDATA) + "/filter/";
const std::string kCatalog = std::string(OPTIN_TESTDATA) + "/catalogs/filter.yaml";

class FilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"init"}).exit_code, 0);
    ASSERT_EQ(Cli({"catalog", "publish", kCatalog}).exit_code, 0);
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

TEST_F(FilterTest, DropAndRedactMatchTheGoldenFiles) {
  const std::string input = ReadFile(kData + "input.jsonl");
  auto drop = Cli({"filter", "--purpose", "ads", "--stats"}, input);
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  EXPECT_EQ(drop.out, ReadFile(kData + "drop.jsonl"));
  EXPECT_EQ(drop.err, ReadFile(kData + "drop.stats.json"));
  auto redact = Cli({"filter", "--purpose", "ads", "--mode", "redact", "--stats"}, input);
  ASSERT_EQ(redact.exit_code, 0) << redact.err;
  EXPECT_EQ(redact.out, ReadFile(kData + "redact.jsonl"));
  EXPECT_EQ(redact.err, ReadFile(kData + "redact.stats.json"));
}

TEST_F(FilterTest, KeptRecordsAreByteForByteWhatCameIn) {
  const std::string odd = "{ \"subject\" : \"alice\" ,\t\"url\":\"h\\u00e9\\n\" , \"n\" : 1.50e3 , \"z\":[ ] }\n";
  auto r = Cli({"filter", "--purpose", "ads"}, odd + odd);
  EXPECT_EQ(r.out, odd + odd);
  r = Cli({"filter", "--purpose", "ads", "--mode", "redact"}, odd);
  EXPECT_EQ(r.out, odd);
}

TEST_F(FilterTest, BadInputIsCountedRejectedAndNeverPassed) {
  const std::string reject = dir_.File("reject.txt");
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 2000; ++i) deep += "}";
  const std::string input = std::string("{\"subject\":\"alice\",\"url\":\"\xff\"}\n") +  // invalid UTF-8
                            "{\"subject\":\"alice\",\"subject\":\"bob\"}\n" +          // a repeated key
                            "{\"subject\":\"alice\"" + "\n" +                          // cut short
                            "[\"subject\",\"alice\"]\n" +                              // not an object
                            deep + "\n" +                                              // too deep
                            "{\"subject\":7}\n" +                                      // not a string
                            "{\"subject\":\"alice\",\"n\":1}";                          // no final newline
  auto r = Cli({"filter", "--purpose", "ads", "--reject", reject, "--mode", "redact"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"subject\":\"alice\",\"n\":1}\n");
  EXPECT_THAT(r.err, HasSubstr("7 records in, 1 kept, 0 redacted (0 fields), 0 dropped, 1 without a subject, 5 malformed"));
  const std::string rejected = ReadFile(reject);
  for (const char* line : {"stdin:1: not valid JSON", "stdin:2: the key `subject` repeats", "stdin:3: not valid JSON",
                           "stdin:4: not a JSON object", "stdin:5: not valid JSON"}) {
    EXPECT_THAT(rejected, HasSubstr(line));
  }
}

TEST_F(FilterTest, LinesAcrossReadBlocksAndOverlongLines) {
  // Records of every length around the reader's 1 MiB blocks, a 3 MiB
  // record, and one line over 64 MiB that is never held whole.
  std::string input, expected;
  uint64_t lines = 0;
  auto add = [&](const std::string& subject, size_t pad, bool kept) {
    const std::string record = "{\"subject\":\"" + subject + "\",\"url\":\"" + std::string(pad, 'u') + "\"}\n";
    input += record;
    if (kept) expected += record;
    ++lines;
  };
  for (size_t i = 0; input.size() < (5u << 20); ++i) add(i % 3 ? "bob" : "alice", (i * 7919) % 4000, i % 3 == 0);
  add("alice", 3u << 20, true);
  input += "{\"subject\":\"alice\",\"url\":\"" + std::string(65u << 20, 'x') + "\"}\n";
  const uint64_t overlong = ++lines;
  add("alice", 10, true);
  input += "{\"subject\":\"alice\"}";  // no final line break
  expected += "{\"subject\":\"alice\"}\n";
  const std::string in_file = dir_.Write("big.jsonl", input);
  input.clear();
  const std::string reject = dir_.File("reject.txt");
  auto r = Cli({"filter", "--purpose", "ads", "--reject", reject, in_file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == expected) << "output differs";  // too large to print
  EXPECT_THAT(r.err, HasSubstr(std::to_string(lines + 1) + " records in"));
  EXPECT_THAT(ReadFile(reject), HasSubstr(in_file + ":" + std::to_string(overlong) + ": longer than 64 MiB"));
}

TEST_F(FilterTest, AParentThatIsNotAnObjectIsRedactedWhole) {
  // page.title is redacted: where `page` is an array, a string or null,
  // nothing of it may pass (bob never agreed).
  const std::string input =
      "{\"subject\":\"bob\",\"page\":[{\"title\":\"SECRET\"}],\"n\":1}\n"
      "{\"subject\":\"bob\",\"page\":\"SECRET\",\"geo\":null,\"n\":2}\n"
      "{\"subject\":\"bob\",\"page\":{\"title\":\"SECRET\",\"lang\":\"en\"},\"n\":3}\n";
  auto r = Cli({"filter", "--purpose", "ads", "--mode", "redact"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"subject\":\"bob\",\"n\":1}\n{\"subject\":\"bob\",\"n\":2}\n"
                   "{\"subject\":\"bob\",\"page\":{\"lang\":\"en\"},\"n\":3}\n");
  EXPECT_THAT(r.err, HasSubstr("3 redacted (4 fields)"));
}

TEST_F(FilterTest, WhatPassesGoesOutWhileTheInputIsStillOpen) {
  // A live stream: the writer keeps the pipe open; the record must come out
  // before it closes, not when 1 MiB has gathered.
  const std::string out = dir_.File("out.jsonl");
  auto r = RunCommand({"bash", "-c",
                       "(printf '{\"subject\":\"alice\"}\\n'; sleep 3) | '" + std::string(OPTIN_BINARY) + "' --db '" +
                           dir_.File("optin.db") + "' filter --purpose ads > '" + out + "' 2>/dev/null & sleep 1.5; cat '" +
                           out + "'; wait"});
  EXPECT_EQ(r.out, "{\"subject\":\"alice\"}\n");
}

TEST_F(FilterTest, CsvKeepsRowsAsTheyCameAndEmptiesRedactedCells) {
  const std::string reject = dir_.File("reject.txt");
  const std::string input =
      "subject,url,page.title,n\r\n"
      "alice,\"https://x, y\",T,1\r\n"
      "bob,u,\"multi\nline \"\"t\"\"\",2\r\n"
      "carol,u\r\n"
      ",u,t,3\r\n"
      "dave,\"open,t,4\r\n";
  auto r = Cli({"filter", "--purpose", "ads", "--format", "csv", "--mode", "redact", "--reject", reject}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "subject,url,page.title,n\r\nalice,\"https://x, y\",T,1\r\nbob,,,2\r\n");
  EXPECT_THAT(r.err, HasSubstr("5 records in, 1 kept, 1 redacted (2 fields), 0 dropped, 1 without a subject, 2 malformed"));
  const std::string rejected = ReadFile(reject);
  EXPECT_THAT(rejected, HasSubstr("stdin:5: 2 cells where the header has 4"));
  EXPECT_THAT(rejected, HasSubstr("stdin:7: a quote is not closed"));
  auto drop = Cli({"filter", "--purpose", "ads", "--format", "csv"}, input);
  EXPECT_EQ(drop.out, "subject,url,page.title,n\r\nalice,\"https://x, y\",T,1\r\n");
  auto no_subject = Cli({"filter", "--purpose", "ads", "--format", "csv"}, "user,url\nalice,u\n");
  EXPECT_EQ(no_subject.exit_code, 2);
  EXPECT_THAT(no_subject.err, HasSubstr("the CSV header has no column `subject` for the subject"));
}

TEST_F(FilterTest, RefusesWhatItCannotDo) {
  EXPECT_EQ(Cli({"filter", "--purpose", "nope"}, "").exit_code, 3);
  EXPECT_EQ(Cli({"filter", "--purpose", "ads", "--mode", "hide"}, "").exit_code, 2);
  EXPECT_EQ(Cli({"filter", "--purpose", "ads", "--format", "xml"}, "").exit_code, 2);
  // Every input is opened before any is read: a missing or unreadable one
  // stops the command before anything is written.
  const std::string first = dir_.Write("first.jsonl", "{\"subject\":\"alice\"}\n{\"subject\":\"bob\"}\n");
  auto missing = Cli({"filter", "--purpose", "ads", first, dir_.File("missing.jsonl")});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.out, "");
  EXPECT_THAT(missing.err, HasSubstr("missing.jsonl`: No such file or directory"));
  auto directory = Cli({"filter", "--purpose", "ads", first, dir_.path().string()});
  EXPECT_EQ(directory.exit_code, 3);
  EXPECT_THAT(directory.err, HasSubstr("it is a directory"));
  // --reject never overwrites an input.
  auto same = Cli({"filter", "--purpose", "ads", "--reject", first, first});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_THAT(same.err, HasSubstr("is one of the inputs"));
  EXPECT_EQ(ReadFile(first), "{\"subject\":\"alice\"}\n{\"subject\":\"bob\"}\n");
  // `-` is stdin; blank lines and a byte order mark are no records.
  auto dash = Cli({"filter", "--purpose", "ads", "-"}, "\xEF\xBB\xBF{\"subject\":\"alice\"}\n \t\n\n");
  EXPECT_EQ(dash.out, "{\"subject\":\"alice\"}\n");
  EXPECT_THAT(dash.err, HasSubstr("1 records in, 1 kept"));
  auto bad_path = Cli({"filter", "--purpose", "ads", "--subject-field", "user..id"}, "{}\n");
  EXPECT_EQ(bad_path.exit_code, 2);
  EXPECT_THAT(bad_path.err, HasSubstr("the subject field `user..id` has an empty part"));
}

// Random records: nested objects, escapes, non-ASCII, subjects allowed or not.
std::string RandomRecord(std::mt19937& rng) {
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const char* subjects[] = {"alice", "bob", "carol", "dave", "\\u0061lice"};
  const char* strings[] = {"x", "h\\u00e9", "a\\\"b", "東京", "", "line\\nbreak", "{not:json}"};
  std::vector<std::string> members;
  if (pick(10) > 0) members.push_back(std::string("\"subject\":\"") + subjects[pick(5)] + "\"");
  if (pick(2)) members.push_back(std::string("\"url\":\"") + strings[pick(7)] + "\"");
  if (pick(2)) {
    std::string page = "{";
    if (pick(2)) page += std::string("\"title\":\"") + strings[pick(7)] + "\",";
    page += "\"lang\":\"en\"";
    if (pick(2)) page += ",\"referrer\":[1,{\"a\":\"}\"}]";
    members.push_back("\"page\": " + page + "}");
  }
  if (pick(2)) members.push_back(pick(2) ? "\"geo\":{\"city\":\"Tokyo\",\"country\":\"JP\"}" : "\"geo\":\"Paris\"");
  if (pick(2)) members.push_back("\"n\":" + std::to_string(pick(1000)) + ".5");
  if (pick(2)) members.push_back("\"items\":[\"a\",\"b\"]");
  std::shuffle(members.begin(), members.end(), rng);
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) out += (i ? (pick(2) ? "," : " , ") : "") + members[i];
  return out + "}";
}

TEST_F(FilterTest, AgreesWithAReferenceOnRandomRecordsAndConsentStates) {
  std::mt19937 rng(20261129);
  for (int round = 0; round < 4; ++round) {
    // A random consent state for alice, bob and dave (carol withdrew).
    std::vector<std::string> allowed;
    for (const char* s : {"alice", "bob", "dave"}) {
      const bool yes = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
      ASSERT_EQ(Cli({yes ? "grant" : "withdraw", s, "ads"}).exit_code, 0);
      if (yes) allowed.push_back(s);
    }
    std::string input;
    for (int i = 0; i < 1500; ++i) input += RandomRecord(rng) + "\n";
    const std::string in_file = dir_.Write("in.jsonl", input);
    for (const char* mode : {"drop", "redact"}) {
      auto r = Cli({"filter", "--purpose", "ads", "--mode", mode, in_file});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::string out_file = dir_.Write("out.jsonl", r.out);
      std::string allowed_list;
      for (const auto& a : allowed) allowed_list += (allowed_list.empty() ? "" : ",") + a;
      auto check = RunCommand({"python3", std::string(OPTIN_SOURCE_DIR) + "/tests/enforce/reference_filter.py", mode,
                               "url,page.title,page.referrer,geo.city", allowed_list, in_file, out_file});
      EXPECT_EQ(check.exit_code, 0) << mode << ": " << check.out << check.err;
    }
  }
}

TEST(Enforcer, LibraryUseOnAnEngine) {
  TempDir dir;
  auto engine = Engine::Open({.store = dir.File("optin.db"), .mode = StoreOpenMode::kCreate, .clock = {}});
  ASSERT_THAT(engine, IsOk());
  EXPECT_THAT(Enforcer::Create(**engine, {.purpose = "ads"}), StatusIs(StatusCode::kFailedPrecondition, HasSubstr("no catalog")));
  WriteContext ctx{.channel = "api", .actor = "t", .evidence = ""};
  ASSERT_THAT((*engine)->Publish(ParseCatalogFile(kCatalog).value(), {}, ctx), IsOk());
  ASSERT_THAT((*engine)->Grant("alice", std::vector<std::string>{"ads"}, ctx), IsOk());
  auto e = Enforcer::Create(**engine, {.purpose = "ads", .subject_field = "user.id", .mode = FilterMode::kRedact});
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ((*e)->snapshot_seq(), 2u);
  EXPECT_EQ((*e)->redacted_fields(), (std::vector<std::string>{"url", "page.title", "page.referrer", "geo.city"}));
  std::string out;
  EXPECT_EQ((*e)->FilterJson(R"({"user":{"id":"alice"},"url":"u"})", out), RecordOutcome::kKept);
  EXPECT_EQ(out, R"({"user":{"id":"alice"},"url":"u"})");
  out.clear();
  EXPECT_EQ((*e)->FilterJson(R"({"user":{"id":"bob"},"url":"u","geo":{"city":"c","zip":"1"}})", out), RecordOutcome::kRedacted);
  EXPECT_EQ(out, R"({"user":{"id":"bob"},"geo":{"zip":"1"}})");
  EXPECT_EQ((*e)->stats().fields_redacted, 2u);
  EXPECT_EQ((*e)->stats().denied_by_reason[static_cast<size_t>(Reason::kNoConsent)], 1u);
  // The run is usage: alice's day, and bob's denial once the Enforcer hands
  // its counts over (when it goes).
  e->reset();
  ASSERT_THAT((*engine)->FlushUsage(), IsOk());
  auto used = (*engine)->SubjectUsage("alice");
  ASSERT_THAT(used, IsOk());
  ASSERT_EQ(used->size(), 1u);
  EXPECT_EQ(used->front().purpose, "ads");
  auto denied = (*engine)->DeniedChecks(0);
  ASSERT_THAT(denied, IsOk());
  ASSERT_EQ(denied->size(), 1u);
  EXPECT_EQ(denied->front().reason, "no_consent");
  EXPECT_EQ(denied->front().count, 1u);
}

}  // namespace
}  // namespace optin
