#include "src/common/json_reader.h"

#include <gmock/gmock.h>

#include "src/common/time.h"
#include "tests/support/test_support.h"

namespace optin::json {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(JsonReader, TypedReadsNameThePathOfWhatIsWrong) {
  simdjson::dom::parser parser;
  auto doc = ParseObject(parser, R"({"a":{"n":-1,"list":[1,"2"],"t":"2026-06-01T09:00:00Z","big":4294967296}})", "x");
  ASSERT_THAT(doc, IsOk());
  auto a = doc->Field("a");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(Read(*a, "n", &Value::Int).value_or(0), -1);
  EXPECT_THAT(Read(*a, "n", &Value::Uint), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.n` must be a whole number")));
  EXPECT_THAT(Read(*a, "big", &Value::Int), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.big` must be an integer")));
  EXPECT_THAT(Read(*a, "list", &Value::Ints), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.list[1]` must be an integer")));
  EXPECT_THAT(Read(*a, "gone", &Value::String), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.gone` is missing")));
  EXPECT_THAT(Read(*a, "n", &Value::Text), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.n` must be a string")));
  EXPECT_THAT(Read(*a, "n", &Value::OptionalBool), StatusIs(StatusCode::kInvalidArgument, HasSubstr("true, false or null")));
  EXPECT_EQ(Read(*a, "t", &Value::Time).value_or(0), ParseRfc3339("2026-06-01T09:00:00Z").value());
  EXPECT_THAT(ReadIfPresent(*a, "gone", &Value::Bool), IsOk());
  EXPECT_FALSE(ReadIfPresent(*a, "gone", &Value::Bool)->has_value());
  EXPECT_THAT(doc->Field("a")->Field("n")->Field("x"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a.n` must be an object")));
}

TEST(JsonReader, MembersAndItemsAreVisitedInOrderAndStopAtTheFirstError) {
  simdjson::dom::parser parser;
  auto doc = ParseObject(parser, R"({"b":[3,4],"a":{"k":true}})", "x");
  ASSERT_THAT(doc, IsOk());
  std::vector<std::string> seen;
  EXPECT_THAT(doc->ForEachMember([&](std::string_view key, const Value& v) -> Status {
    seen.emplace_back(v.path());
    return key == "a" ? v.UnknownKey() : OkStatus();
  }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown key `a`")));
  EXPECT_THAT(seen, ElementsAre("b", "a"));
  seen.clear();
  EXPECT_THAT(doc->Field("b")->ForEachItem([&](const Value& v) -> Status {
    seen.emplace_back(v.path());
    return OkStatus();
  }),
              IsOk());
  EXPECT_THAT(seen, ElementsAre("b[0]", "b[1]"));
  EXPECT_EQ(doc->Field("b")->ListSize(), 2u);
  EXPECT_THAT(doc->Field("a")->ForEachItem([](const Value&) { return OkStatus(); }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`a` must be a list")));
}

TEST(JsonReader, RefusesRepeatedKeysAtAnyDepthAndNamesTheDocument) {
  simdjson::dom::parser parser;
  EXPECT_THAT(Parse(parser, R"({"a":[{"k":1,"k":2}]})"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`k` repeats")));
  EXPECT_THAT(ParseObject(parser, "{", "the body"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("the body is not valid JSON")));
  EXPECT_THAT(ParseObject(parser, "[]", "the body"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("the body must be a JSON object")));
  EXPECT_THAT(Parse(parser, "[]"), IsOk());
}

TEST(JsonReader, DecodesHexAndBase64AndRefusesTheWrongLength) {
  simdjson::dom::parser parser;
  auto doc = ParseObject(parser, R"({"h":"00ff","short":"00","b":"AP8=","bad":"%%"})", "x");
  ASSERT_THAT(doc, IsOk());
  EXPECT_EQ(doc->Field("h")->HexBytes(2, "two bytes").value_or(""), std::string("\x00\xff", 2));
  EXPECT_THAT(doc->Field("short")->HexBytes(2, "two bytes"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`short` must be 4 lowercase hex digits (two bytes)")));
  EXPECT_EQ(doc->Field("b")->Base64Bytes().value_or(""), std::string("\x00\xff", 2));
  EXPECT_THAT(doc->Field("bad")->Base64Bytes(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`bad` must be base64")));
}

TEST(JsonReader, ADocumentOwnsWhatItsValuesViewAcrossAMove) {
  Result<Document> parsed = Document::ParseObject(R"({"key_id":"k1","n":[1,2]})", "a tree head");
  ASSERT_THAT(parsed, IsOk());
  Document doc = std::move(*parsed);
  parsed = Document::ParseObject("{}", "x");  // the moved-from result is reused
  EXPECT_EQ(Read(doc.root(), "key_id", &Value::String).value_or(""), "k1");
  EXPECT_THAT(Read(doc.root(), "n", &Value::Ints).value_or(std::vector<int>{}), ElementsAre(1, 2));
  EXPECT_THAT(Document::ParseObject("[1]", "a tree head"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("a tree head must be a JSON object")));
}

TEST(JsonReader, LongPathsAreCutNotOverrun) {
  std::string deep = "{";
  for (int i = 0; i < 30; ++i) deep += "\"key" + std::to_string(i) + "\":{";
  deep += "\"leaf\":1" + std::string(31, '}');
  simdjson::dom::parser parser;
  auto doc = Parse(parser, deep);
  ASSERT_THAT(doc, IsOk());
  Value v = *doc;
  for (int i = 0; i < 30; ++i) v = *v.Field("key" + std::to_string(i));
  EXPECT_EQ(v.path().size(), Value::kMaxPath);
  EXPECT_THAT(v.Field("leaf")->Text(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be a string")));
}

}  // namespace
}  // namespace optin::json
