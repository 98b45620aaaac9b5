// The codec vectors under testdata/<codec>/vectors.txt, one runner for all.
// Each line is NAME<TAB>STRING<TAB>EXPECTATION: NAME.json (the string
// decodes and its JSON form equals the file) or `error: TEXT` (decoding
// fails with kInvalidArgument whose message contains TEXT). Every string that
// decodes must also survive decode → encode → decode and JSON → model → JSON.
#include <gmock/gmock.h>

#include <fstream>
#include <sstream>

#include "optin/signals.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::testing::HasSubstr;

struct Codec {
  std::string_view dir;
  Result<std::string> (*decode_to_json)(std::string_view text);
  Result<std::string> (*encode_json)(std::string_view json);
};

const Codec kCodecs[] = {
    {"tcf",
     [](std::string_view text) -> Result<std::string> {
       OPTIN_ASSIGN_OR_RETURN(TcDecoded d, DecodeTcString(text));
       return TcStringToJson(d);
     },
     [](std::string_view json) -> Result<std::string> {
       OPTIN_ASSIGN_OR_RETURN(TcString tc, TcStringFromJson(json));
       return EncodeTcString(tc);
     }},
    {"gpp",
     [](std::string_view text) -> Result<std::string> {
       OPTIN_ASSIGN_OR_RETURN(GppDecoded d, DecodeGppString(text));
       return GppStringToJson(d);
     },
     [](std::string_view json) -> Result<std::string> {
       OPTIN_ASSIGN_OR_RETURN(GppString gpp, GppStringFromJson(json));
       return EncodeGppString(gpp);
     }},
};

struct Vector {
  std::string name, text, expect;
};

std::vector<Vector> LoadVectors(const std::string& dir) {
  std::ifstream in(dir + "vectors.txt");
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Vector v;
    std::getline(fields, v.name, '\t');
    std::getline(fields, v.text, '\t');
    std::getline(fields, v.expect);
    out.push_back(v);
  }
  return out;
}

// The JSON form without its final `warnings` list: a string read with a
// warning may encode to one without (e.g. a layout read as a newer version).
std::string WithoutWarnings(const std::string& json) { return json.substr(0, json.rfind(",\"warnings\":[")); }

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class CodecVectors : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecVectors, DecodeAsTheFilesSayAndRoundTrip) {
  const Codec& codec = GetParam();
  const std::string dir = std::string(OPTIN_TESTDATA) + "/" + std::string(codec.dir) + "/";
  const std::vector<Vector> vectors = LoadVectors(dir);
  ASSERT_GE(vectors.size(), 15u) << dir;
  constexpr std::string_view kErrorPrefix = "error: ";
  for (const Vector& v : vectors) {
    SCOPED_TRACE(std::string(codec.dir) + " " + v.name);
    Result<std::string> json = codec.decode_to_json(v.text);
    if (v.expect.starts_with(kErrorPrefix)) {
      EXPECT_THAT(json, StatusIs(StatusCode::kInvalidArgument, HasSubstr(v.expect.substr(kErrorPrefix.size()))));
      continue;
    }
    ASSERT_THAT(json, IsOk());
    EXPECT_EQ(*json, Trimmed(ReadFile(dir + v.expect)));
    // JSON → model → string, decoded again: the same model.
    Result<std::string> again = codec.encode_json(*json);
    ASSERT_THAT(again, IsOk());
    Result<std::string> json2 = codec.decode_to_json(*again);
    ASSERT_THAT(json2, IsOk());
    EXPECT_EQ(WithoutWarnings(*json2), WithoutWarnings(*json));
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, CodecVectors, ::testing::ValuesIn(kCodecs),
                         [](const auto& info) { return std::string(info.param.dir); });

}  // namespace
}  // namespace optin
