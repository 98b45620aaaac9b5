// File: src/common/json_reader.h
//
// Reading JSON that comes from outside (request bodies, TC and GPP string
// models, tree heads, receipts) into typed values, with errors that name
// where the problem is: "`receipt.inclusion_proof.tree_size` must be a whole
// number", "unknown key `publisher.colour`". Every document is refused when
// one of its objects repeats a key (src/common/json_keys.h).
//
// It wraps simdjson's DOM and so includes <simdjson.h>: include it only from
// the few .cc files that read JSON.
//
// Thread-safety: a Value is a view into its parser's document; use both on
// one thread, and not after the parser parses again.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::ParseObject(text, "a tree head"));
//   uint64_t size = 0;
//   OPTIN_RETURN_IF_ERROR(doc.root().ForEachMember([&](std::string_view key, const json::Value& v) -> Status {
//     if (key != "tree_size") return v.UnknownKey();
//     OPTIN_ASSIGN_OR_RETURN(size, v.Uint());
//     return OkStatus();
//   }));
#ifndef OPTIN_COMMON_JSON_READER_H_
#define OPTIN_COMMON_JSON_READER_H_

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optin/status.h"

namespace optin::json {

// A value in a parsed document and the path it is reported by. Copying one
// copies a short inline path and allocates nothing; an item's index is
// written out only when its path is asked for; paths longer than kMaxPath
// are cut (they only appear in messages).
class Value {
 public:
  static constexpr size_t kMaxPath = 94;

  // `path` is how errors name the value: "" for a whole document.
  Value(simdjson::dom::element e, std::string_view path);
  // Copies only the used part of the path.
  Value(const Value& other);
  Value& operator=(const Value& other);

  simdjson::dom::element element() const { return e_; }
  // "a.list[2].b": for messages.
  std::string path() const;

  bool IsNull() const { return e_.is_null(); }
  bool IsObject() const { return e_.is_object(); }
  bool IsArray() const { return e_.is_array(); }

  // Typed reads: the value, or kInvalidArgument naming the path and the kind
  // of value it must be.
  Result<int> Int() const;                           // fits in 32 bits
  Result<uint64_t> Uint() const;                     // a whole number >= 0
  Result<bool> Bool() const;                         // true or false
  Result<std::optional<bool>> OptionalBool() const;  // true, false or null
  Result<std::string_view> Text() const;             // a string, viewed in the document
  Result<std::string> String() const;                // a string, copied
  Result<int64_t> Time() const;                      // an RFC 3339 time string, in microseconds
  Result<std::vector<int>> Ints() const;             // a list of integers
  // A string of lowercase hex digits encoding exactly `bytes` bytes.
  Result<std::string> HexBytes(size_t bytes, std::string_view what) const;
  Result<std::string> Base64Bytes() const;  // a standard base64 string, decoded
  // The value as compact JSON text (whatever its kind).
  std::string Minified() const;

  // Members of an object. Field: the member `key`, or kInvalidArgument when
  // this is not an object or has no such member ("`a.b` is missing").
  // Find: the member, or nullopt when absent (or this is not an object).
  Result<Value> Field(std::string_view key) const;
  std::optional<Value> Find(std::string_view key) const;
  // The member `key` when it is a string; nullopt otherwise, without making
  // an error: for a hot path (the checks of a batch), which asks Read for
  // the error only when this says no. Inline, so that a literal key is
  // compared as one.
  std::optional<std::string_view> FindText(std::string_view key) const {
    simdjson::dom::object o;
    std::string_view s;
    if (e_.get(o) || o[key].get(s)) return std::nullopt;
    return s;
  }

  // Calls `f(key, value)` for each member in document order and stops at the
  // first error it returns; kInvalidArgument when this is not an object.
  template <typename F>
  Status ForEachMember(F&& f) const {
    simdjson::dom::object o;
    if (e_.get(o)) return Error("must be an object");
    for (auto [key, value] : o) OPTIN_RETURN_IF_ERROR(f(key, Child(value, key)));
    return OkStatus();
  }
  // Calls `f(item)` for each item of a list (items are named `path[i]`) and
  // stops at the first error it returns; kInvalidArgument when this is not a
  // list.
  template <typename F>
  Status ForEachItem(F&& f) const {
    simdjson::dom::array a;
    if (e_.get(a)) return Error("must be a list");
    size_t i = 0;
    for (simdjson::dom::element item : a) OPTIN_RETURN_IF_ERROR(f(Item(item, i++)));
    return OkStatus();
  }
  // The number of items of a list, or nullopt when this is not a list.
  std::optional<size_t> ListSize() const;

  // kInvalidArgument "unknown key `path`": what a member reader returns for
  // a key it does not know.
  Status UnknownKey() const;
  // kInvalidArgument "`path` " + `what` (or just `what` for a whole document).
  Status Error(std::string_view what) const;

 private:
  Value Child(simdjson::dom::element e, std::string_view key) const;
  Value Item(simdjson::dom::element e, size_t index) const;
  // Appends the whole path (the pending item index written out) to `out`.
  void AppendPath(char* out, uint8_t& len) const;

  simdjson::dom::element e_;
  uint32_t item_ = 0;  // an item's index + 1, not yet in path_; 0: none
  uint8_t len_ = 0;
  char path_[kMaxPath + 1];
};

// The member `key` of the object `o` read with one of Value's typed reads:
//   OPTIN_ASSIGN_OR_RETURN(uint64_t size, json::Read(head, "tree_size", &json::Value::Uint));
// kInvalidArgument when it is missing or of another kind.
template <typename T>
Result<T> Read(const Value& o, std::string_view key, Result<T> (Value::*read)() const) {
  OPTIN_ASSIGN_OR_RETURN(Value v, o.Field(key));
  return (v.*read)();
}
// As Read, and nullopt when `o` has no member `key`.
template <typename T>
Result<std::optional<T>> ReadIfPresent(const Value& o, std::string_view key, Result<T> (Value::*read)() const) {
  std::optional<Value> v = o.Find(key);
  if (!v) return std::optional<T>();
  OPTIN_ASSIGN_OR_RETURN(T t, ((*v).*read)());
  return std::optional<T>(std::move(t));
}

// Parses `text` into `parser`'s document: the whole document (path ""), or
// kInvalidArgument when it is not JSON or an object in it repeats a key.
Result<Value> Parse(simdjson::dom::parser& parser, std::string_view text);
// As Parse, and the document must be an object; errors name `what` ("the
// body is not valid JSON: …", "the body must be a JSON object").
Result<Value> ParseObject(simdjson::dom::parser& parser, std::string_view text, std::string_view what);

// A parsed document that owns its parser: for readers that parse once (a
// request handler reuses a parser with the functions above instead).
class Document {
 public:
  // As json::Parse and json::ParseObject.
  static Result<Document> Parse(std::string_view text);
  static Result<Document> ParseObject(std::string_view text, std::string_view what);

  const Value& root() const { return root_; }

 private:
  Document(std::unique_ptr<simdjson::dom::parser> parser, Value root)
      : parser_(std::move(parser)), root_(root) {}

  std::unique_ptr<simdjson::dom::parser> parser_;  // owns what root_ views
  Value root_;
};

}  // namespace optin::json

#endif  // OPTIN_COMMON_JSON_READER_H_
