// File: src/common/json_writer.h
//
// A small, allocation-light JSON writer for optin's output: CLI `--json`,
// API responses, canonical notice encodings. Output is compact (no
// whitespace); strings are escaped as docs/notice_version.md specifies
// (`"`, `\`, control characters and DEL; everything else verbatim UTF-8), so
// the same writer yields canonical bytes for hashing.
//
// Example:
//   JsonWriter w;
//   w.BeginObject().Key("allowed").Bool(true).Key("reason").String("granted").EndObject();
//   std::string json = std::move(w).Take();
#ifndef OPTIN_COMMON_JSON_WRITER_H_
#define OPTIN_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optin {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  // `value`, or null when it is empty (an optional text or duration).
  JsonWriter& StringOrNull(std::string_view value);
  // A time (microseconds since the Unix epoch) as RFC 3339, or null when 0
  // (not yet).
  JsonWriter& TimeOrNull(int64_t micros);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // An already serialized JSON value, written as it is.
  JsonWriter& Raw(std::string_view json);
  // A list of strings or of integers.
  JsonWriter& Strings(std::span<const std::string> values);
  JsonWriter& Ints(std::span<const int> values);

  const std::string& str() const { return out_; }
  std::string Take() && { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true once it has an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// How strings are escaped: as JsonWriter writes them (control characters
// and DEL; DO NOT CHANGE: the notice encoding hashes this form), or as RFC
// 8785 §3.2.2.2 canonical JSON does (control characters only).
enum class JsonEscaping { kWriter, kCanonical };
// Appends `value` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view value, JsonEscaping escaping = JsonEscaping::kWriter);

}  // namespace optin

#endif  // OPTIN_COMMON_JSON_WRITER_H_
