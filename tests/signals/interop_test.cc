// optin's TC and GPP codecs against the IAB reference libraries,
// @iabtcf/core and @iabgpp/cmpapi, run under node by tests/interop/
// iab_peer.mjs: thousands of random models encoded by optin and decoded by
// the libraries, and the reverse, agreeing field by field. The random models
// come from fixed seeds, so a failure reproduces.
#include <gmock/gmock.h>

#include <filesystem>
#include <sstream>
#include <random>
#include <set>

#include "optin/signals.h"
#include "src/common/json_writer.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::CommandResult;
using ::optin::testing::ReadFile;
using ::optin::testing::RunCommand;
using ::optin::testing::TempDir;

const std::string kPeer = std::string(OPTIN_SOURCE_DIR) + "/tests/interop/iab_peer.mjs";
constexpr int kModels = 2000;
constexpr int kMaxDenseId = 2000;

class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}
  int Int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  bool Bool() { return Int(0, 1) == 1; }
  bool OneIn(int n) { return Int(1, n) == 1; }
  // Ascending distinct ids within 1..max: dense (bitfields), runs (ranges) or sparse.
  std::vector<int> Ids(int max) {
    std::set<int> ids;
    // Dense lists of very high ids would only make the libraries slow.
    switch (max > kMaxDenseId ? Int(2, 3) : Int(0, 3)) {
      case 0: break;  // none
      case 1:
        for (int id = 1; id <= max; ++id) {
          if (Bool()) ids.insert(id);
        }
        break;
      case 2:
        for (int runs = Int(1, 5); runs > 0; --runs) {
          const int first = Int(1, max);
          for (int id = first; id <= std::min(max, first + Int(0, 60)); ++id) ids.insert(id);
        }
        break;
      default:
        for (int n = Int(1, 20); n > 0; --n) ids.insert(Int(1, max));
    }
    return {ids.begin(), ids.end()};
  }
  std::string Letters() { return {static_cast<char>('A' + Int(0, 25)), static_cast<char>('A' + Int(0, 25))}; }

 private:
  std::mt19937 engine_;
};

constexpr int64_t k2020 = 15'778'368'000;  // deciseconds
constexpr int64_t k2030 = 18'934'560'000;

TcString RandomTcString(Random& r) {
  TcString tc;
  tc.created = int64_t{r.Int(0, static_cast<int>((k2030 - k2020) / 10))} * 10 + k2020;
  tc.last_updated = tc.created + int64_t{r.Int(0, 86'400)} * 10;
  tc.created *= 100'000;
  tc.last_updated *= 100'000;
  tc.cmp_id = r.Int(2, 4095);  // @iabtcf/core refuses CMP ids 0 and 1
  tc.cmp_version = r.Int(0, 4095);
  tc.consent_screen = r.Int(0, 63);
  tc.consent_language = r.Letters();
  tc.vendor_list_version = r.Int(1, 4095);
  tc.policy_version = r.OneIn(4) ? 2 : 4;
  tc.is_service_specific = !r.OneIn(4);
  tc.use_non_standard_texts = r.Bool();
  tc.purpose_one_treatment = r.Bool();
  tc.publisher_cc = r.Letters();
  tc.special_feature_opt_ins = r.Ids(r.OneIn(3) ? 12 : 2);
  tc.purpose_consents = r.Ids(r.OneIn(3) ? 24 : 11);
  tc.purpose_legitimate_interests = r.Ids(r.OneIn(3) ? 24 : 11);
  const int max_vendor = r.OneIn(50) ? 65535 : r.Int(1, 1500);
  tc.vendor_consents = r.Ids(max_vendor);
  tc.vendor_legitimate_interests = r.Ids(max_vendor);
  for (int n = r.Int(0, 3); n > 0; --n) {
    TcPublisherRestriction p{r.Int(2, 11), r.Int(0, 2), r.Ids(max_vendor)};
    bool repeat = false;
    for (const auto& q : tc.publisher_restrictions) repeat = repeat || (q.purpose == p.purpose && q.type == p.type);
    if (!repeat && !p.vendors.empty()) tc.publisher_restrictions.push_back(std::move(p));
  }
  if (r.Bool()) tc.disclosed_vendors = r.Ids(max_vendor);
  if (r.Bool()) {
    TcPublisherSegment p;
    p.purpose_consents = r.Ids(24);
    p.purpose_legitimate_interests = r.Ids(24);
    p.num_custom_purposes = r.Int(0, 20);
    if (p.num_custom_purposes > 0) {
      p.custom_purpose_consents = r.Ids(p.num_custom_purposes);
      p.custom_purpose_legitimate_interests = r.Ids(p.num_custom_purposes);
    }
    tc.publisher = std::move(p);
  }
  return tc;
}

template <typename Section>
void RandomUsFields(Random& r, Section& s) {
  for (int& v : s.sensitive_data_processing) v = r.Int(0, 2);
  for (int& v : s.known_child_sensitive_data_consents) v = r.Int(0, 2);
  s.sale_opt_out_notice = r.Int(0, 2);
  s.sharing_opt_out_notice = r.Int(0, 2);
  s.sensitive_data_limit_use_notice = r.Int(0, 2);
  s.sale_opt_out = r.Int(0, 2);
  s.sharing_opt_out = r.Int(0, 2);
  s.personal_data_consents = r.Int(0, 2);
  s.mspa_covered_transaction = r.Int(1, 2);
  s.mspa_opt_out_option_mode = r.Int(0, 2);
  s.mspa_service_provider_mode = r.Int(0, 2);
  if (r.Bool()) s.gpc = r.Bool();
}

GppString RandomGppString(Random& r) {
  GppString gpp;
  while (!gpp.tcfeuv2 && !gpp.uspv1 && !gpp.usnat && !gpp.usca) {
    if (r.Bool()) gpp.tcfeuv2 = RandomTcString(r);
    if (r.Bool()) {
      auto flag = [&r] { return r.OneIn(3) ? std::optional<bool>() : std::optional<bool>(r.Bool()); };
      gpp.uspv1 = UspString{flag(), flag(), flag()};
    }
    if (r.Bool()) {
      GppUsNat& n = gpp.usnat.emplace();
      n.version = r.Int(1, 2);
      n.sensitive_data_processing.assign(n.version == 1 ? 12 : 16, 0);
      n.known_child_sensitive_data_consents.assign(n.version == 1 ? 2 : 3, 0);
      RandomUsFields(r, n);
      n.sharing_notice = r.Int(0, 2);
      n.targeted_advertising_opt_out_notice = r.Int(0, 2);
      n.sensitive_data_processing_opt_out_notice = r.Int(0, 2);
      n.targeted_advertising_opt_out = r.Int(0, 2);
    }
    if (r.Bool()) RandomUsFields(r, gpp.usca.emplace());
  }
  return gpp;
}

// {"kind":KIND,"string":S,"model":M} per random model, encoded by optin; M is
// optin's own decode of S.
std::string OptinEncoded(uint32_t seed) {
  Random r(seed);
  std::string out;
  for (int i = 0; i < kModels; ++i) {
    const TcString tc = RandomTcString(r);
    Result<std::string> s = EncodeTcString(tc);
    EXPECT_TRUE(s.ok()) << s.status().message();
    Result<TcDecoded> d = DecodeTcString(*s);
    EXPECT_TRUE(d.ok() && d->tc == tc);
    out += R"({"kind":"tcf","string":")" + *s + R"(","model":)" + TcStringToJson(*d) + "}\n";
  }
  for (int i = 0; i < kModels; ++i) {
    const GppString gpp = RandomGppString(r);
    Result<std::string> s = EncodeGppString(gpp);
    EXPECT_TRUE(s.ok()) << s.status().message();
    Result<GppDecoded> d = DecodeGppString(*s);
    EXPECT_TRUE(d.ok() && d->gpp == gpp);
    out += R"({"kind":"gpp","string":")" + *s + R"(","model":)" + GppStringToJson(*d) + "}\n";
  }
  return out;
}

// Decodes each string of `generated` (iab_peer.mjs generate) with optin:
// {"string":S,"model":M} or {"string":S,"error":…} per line.
std::string OptinDecoded(const std::string& generated, bool gpp) {
  std::istringstream lines(generated);
  std::string out;
  for (std::string line; std::getline(lines, line);) {
    const std::string text = testing::JsonDoc(line).Str("/string");
    JsonWriter w;
    w.BeginObject().Key("string").String(text);
    Status status;
    if (gpp) {
      Result<GppDecoded> d = DecodeGppString(text);
      if (d.ok()) out += R"({"string":")" + text + R"(","model":)" + GppStringToJson(*d) + "}\n";
      status = d.status();
    } else {
      Result<TcDecoded> d = DecodeTcString(text);
      if (d.ok()) out += R"({"string":")" + text + R"(","model":)" + TcStringToJson(*d) + "}\n";
      status = d.status();
    }
    if (!status.ok()) out += std::move(w.Key("error").String(status.message()).EndObject()).Take() + "\n";
  }
  return out;
}

CommandResult Peer(const std::vector<std::string>& args) {
  std::vector<std::string> command = {"node", kPeer};
  command.insert(command.end(), args.begin(), args.end());
  return RunCommand(command);
}

class Interop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(OPTIN_SOURCE_DIR) + "/tests/interop/node_modules/@iabgpp/cmpapi"))
        << "run scripts/install-deps: the IAB libraries are missing from tests/interop/node_modules";
  }
  TempDir dir_;
};

TEST_F(Interop, IabLibrariesReadWhatOptinWrites) {
  const std::string file = dir_.Write("optin_encoded.jsonl", OptinEncoded(20261129));
  CommandResult r = Peer({"check", file});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr(std::to_string(2 * kModels) + " strings agree"));
}

// Strings no encoder of either side writes, but that circulate: non-zero
// pad bits (tests/testdata/tcf/pad_bits.md) and usnat version 2 in the
// original 12/2 layout (tests/testdata/gpp/iab_published.md). optin reads
// each as the IAB library does (with a warning, which is not compared).
TEST_F(Interop, IrregularStringsAreReadAsTheIabLibrariesReadThem) {
  const std::vector<std::pair<std::string, std::string>> strings = {
      {"tcf", "CQeEcwAQeEcwAAHABAENAyEgAIAAAAAAAAwIAAoAAAAB"},
      {"tcf", "CQeEcwAQeEcwAAHABAENAyEgAIAAAAAAAAwIAAoAAAAP"},
      {"tcf", "CQeEcwAQeEcwAEsAFBDEC0EgAIAAAAAAAAYgABMAAAAA.IAeQAoAAgBkADwB.eAAABAAAAdR"},
      {"gpp", "DBABLA~CVVqYYYYZZA"},
      {"gpp", "DBABLA~CVVqYYYYZZ.YA"},
      {"gpp", "DBABLA~CVVqYYYYmWVl"},
      {"gpp", "DBABLA~CVVVkkkkkpFY.YA"},
      {"gpp", "DBABLA~CAAAVVVVAFBA.QA"},
      {"gpp", "DBABLA~BVVVkkkklWA.YA"},
      {"gpp", "DBABBg~BVWSSSVY.YA"},
  };
  std::string lines;
  for (const auto& [kind, text] : strings) {
    std::string model;
    if (kind == "tcf") {
      Result<TcDecoded> d = DecodeTcString(text);
      ASSERT_TRUE(d.ok()) << text << ": " << d.status().message();
      EXPECT_FALSE(d->warnings.empty()) << text;
      model = TcStringToJson(*d);
    } else {
      Result<GppDecoded> d = DecodeGppString(text);
      ASSERT_TRUE(d.ok()) << text << ": " << d.status().message();
      model = GppStringToJson(*d);
    }
    lines += R"({"kind":")" + kind + R"(","string":")" + text + R"(","model":)" + model + "}\n";
  }
  CommandResult r = Peer({"check", dir_.Write("irregular.jsonl", lines)});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr(std::to_string(strings.size()) + " strings agree"));
}

TEST_F(Interop, OptinReadsWhatIabLibrariesWrite) {
  for (std::string kind : {"tcf", "gpp"}) {
    SCOPED_TRACE(kind);
    CommandResult generated = Peer({"generate", kind, std::to_string(kModels), "20261129"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    const std::string expected = dir_.Write(kind + "_iab.jsonl", generated.out);
    const std::string actual = dir_.Write(kind + "_optin.jsonl", OptinDecoded(generated.out, kind == "gpp"));
    CommandResult r = Peer({"compare", expected, actual});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, ::testing::HasSubstr(std::to_string(kModels) + " strings agree"));
  }
}

}  // namespace
}  // namespace optin
