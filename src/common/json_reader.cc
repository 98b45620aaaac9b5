#include "src/common/json_reader.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

#include "src/common/crypto.h"
#include "src/common/json_keys.h"
#include "src/common/time.h"

namespace optin::json {
namespace {

// Appends `part` to an inline path, cutting what does not fit.
void Append(char* path, uint8_t& len, std::string_view part) {
  const size_t n = std::min(part.size(), Value::kMaxPath - len);
  std::memcpy(path + len, part.data(), n);
  len = static_cast<uint8_t>(len + n);
}

}  // namespace

Value::Value(simdjson::dom::element e, std::string_view path) : e_(e) { Append(path_, len_, path); }

Value::Value(const Value& other) : e_(other.e_), item_(other.item_), len_(other.len_) {
  std::memcpy(path_, other.path_, len_);
}

Value& Value::operator=(const Value& other) {
  e_ = other.e_;
  item_ = other.item_;
  len_ = other.len_;
  std::memmove(path_, other.path_, len_);
  return *this;
}

void Value::AppendPath(char* out, uint8_t& len) const {
  Append(out, len, std::string_view(path_, len_));
  if (item_ == 0) return;
  char digits[24] = {'['};
  char* end = std::to_chars(digits + 1, digits + sizeof digits - 1, item_ - 1).ptr;
  *end++ = ']';
  Append(out, len, std::string_view(digits, static_cast<size_t>(end - digits)));
}

std::string Value::path() const {
  char text[kMaxPath + 1];
  uint8_t len = 0;
  AppendPath(text, len);
  return std::string(text, len);
}

Value Value::Child(simdjson::dom::element e, std::string_view key) const {
  Value v(e, "");
  AppendPath(v.path_, v.len_);
  if (v.len_ > 0) Append(v.path_, v.len_, ".");
  Append(v.path_, v.len_, key);
  return v;
}

Value Value::Item(simdjson::dom::element e, size_t index) const {
  Value v(e, "");
  AppendPath(v.path_, v.len_);
  v.item_ = static_cast<uint32_t>(index + 1);
  return v;
}

Status Value::Error(std::string_view what) const {
  if (len_ == 0 && item_ == 0) return InvalidArgumentError(std::string(what));
  return InvalidArgumentError("`" + path() + "` " + std::string(what));
}

Status Value::UnknownKey() const { return InvalidArgumentError("unknown key `" + path() + "`"); }

Result<int> Value::Int() const {
  int64_t i = 0;
  if (e_.get(i) || i < INT32_MIN || i > INT32_MAX) return Error("must be an integer");
  return static_cast<int>(i);
}

Result<uint64_t> Value::Uint() const {
  uint64_t u = 0;
  if (e_.get(u)) return Error("must be a whole number");
  return u;
}

Result<bool> Value::Bool() const {
  bool b = false;
  if (e_.get(b)) return Error("must be true or false");
  return b;
}

Result<std::optional<bool>> Value::OptionalBool() const {
  if (e_.is_null()) return std::optional<bool>();
  bool b = false;
  if (e_.get(b)) return Error("must be true, false or null");
  return std::optional<bool>(b);
}

Result<std::string_view> Value::Text() const {
  std::string_view s;
  if (e_.get(s)) return Error("must be a string");
  return s;
}

Result<std::string> Value::String() const {
  OPTIN_ASSIGN_OR_RETURN(std::string_view s, Text());
  return std::string(s);
}

Result<int64_t> Value::Time() const {
  OPTIN_ASSIGN_OR_RETURN(std::string_view s, Text());
  Result<int64_t> t = ParseRfc3339(s);
  if (!t.ok()) return InvalidArgumentError("`" + path() + "`: " + t.status().message());
  return *t;
}

Result<std::vector<int>> Value::Ints() const {
  simdjson::dom::array a;
  if (e_.get(a)) return Error("must be a list of integers");
  std::vector<int> ids;
  ids.reserve(a.size());
  size_t i = 0;
  for (simdjson::dom::element e : a) {
    OPTIN_ASSIGN_OR_RETURN(int id, Item(e, i++).Int());
    ids.push_back(id);
  }
  return ids;
}

Result<std::string> Value::HexBytes(size_t bytes, std::string_view what) const {
  std::string_view hex;
  std::optional<std::string> decoded;
  if (!e_.get(hex)) decoded = FromHex(hex);
  if (!decoded || decoded->size() != bytes) {
    return Error("must be " + std::to_string(2 * bytes) + " lowercase hex digits (" + std::string(what) + ")");
  }
  return *std::move(decoded);
}

Result<std::string> Value::Base64Bytes() const {
  std::string_view text;
  std::optional<std::string> decoded;
  if (!e_.get(text)) decoded = FromBase64(text);
  if (!decoded) return Error("must be base64");
  return *std::move(decoded);
}

std::string Value::Minified() const { return simdjson::minify(e_); }

Result<Value> Value::Field(std::string_view key) const {
  simdjson::dom::object o;
  if (e_.get(o)) return Error("must be an object");
  simdjson::dom::element v;
  if (o[key].get(v)) return Child(v, key).Error("is missing");
  return Child(v, key);
}

std::optional<Value> Value::Find(std::string_view key) const {
  simdjson::dom::object o;
  simdjson::dom::element v;
  if (e_.get(o) || o[key].get(v)) return std::nullopt;
  return Child(v, key);
}

std::optional<size_t> Value::ListSize() const {
  simdjson::dom::array a;
  if (e_.get(a)) return std::nullopt;
  return a.size();
}

namespace {

// `what` names the document in the error for text that is not JSON.
Result<Value> ParseNamed(simdjson::dom::parser& parser, std::string_view text, std::string_view what) {
  simdjson::dom::element doc;
  if (auto error = parser.parse(text.data(), text.size()).get(doc); error) {
    return InvalidArgumentError(std::string(what) + (what.empty() ? "" : " is ") + "not valid JSON: " +
                                simdjson::error_message(error));
  }
  // A repeated key could be read two ways; refuse it rather than pick one.
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  return Value(doc, "");
}

}  // namespace

Result<Value> Parse(simdjson::dom::parser& parser, std::string_view text) { return ParseNamed(parser, text, ""); }

Result<Value> ParseObject(simdjson::dom::parser& parser, std::string_view text, std::string_view what) {
  OPTIN_ASSIGN_OR_RETURN(Value doc, ParseNamed(parser, text, what));
  if (!doc.IsObject()) return InvalidArgumentError(std::string(what) + " must be a JSON object");
  return doc;
}

Result<Document> Document::Parse(std::string_view text) {
  auto parser = std::make_unique<simdjson::dom::parser>();
  OPTIN_ASSIGN_OR_RETURN(Value root, json::Parse(*parser, text));
  return Document(std::move(parser), root);
}

Result<Document> Document::ParseObject(std::string_view text, std::string_view what) {
  auto parser = std::make_unique<simdjson::dom::parser>();
  OPTIN_ASSIGN_OR_RETURN(Value root, json::ParseObject(*parser, text, what));
  return Document(std::move(parser), root);
}

}  // namespace optin::json
