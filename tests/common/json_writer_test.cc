#include "src/common/json_writer.h"

#include <gtest/gtest.h>

namespace optin {
namespace {

TEST(JsonWriter, WritesNestedCompactJson) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(-1).Key("b").BeginArray().Bool(true).Null().Uint(7).EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").String("x").EndObject();
  EXPECT_EQ(w.str(), R"({"a":-1,"b":[true,null,7],"c":{},"d":"x"})");
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndDel) {
  std::string out;
  AppendJsonString(out, std::string("q\"b\\n\n\t\x01\x7f") + "日本");
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001\\u007f日本\"");
}

}  // namespace
}  // namespace optin
