// File: tests/support/json.h
//
// Reading a JSON answer in a test with a JSON parser rather than by
// searching its text, so that key order, spacing and new keys do not
// decide whether a test passes:
//
//   JsonDoc consents(r.body);
//   EXPECT_EQ(consents.Str("/purposes/1/reason"), "withdrawn");
//   EXPECT_EQ(consents.At("/purposes/1/event"), "3");
#ifndef OPTIN_TESTS_SUPPORT_JSON_H_
#define OPTIN_TESTS_SUPPORT_JSON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace optin::testing {

class JsonDoc {
 public:
  // Parses `text`; a text that is not JSON makes every look-up answer
  // "<not JSON: …>" (and ok() false).
  explicit JsonDoc(std::string text);
  ~JsonDoc();
  JsonDoc(JsonDoc&&) noexcept;
  JsonDoc& operator=(JsonDoc&&) noexcept;

  bool ok() const;
  // The value at `pointer` (RFC 6901: "" the whole document,
  // "/purposes/1/reason") as compact JSON: `true`, `3`, `null`,
  // `"granted"`, `{"a":1}`; "<missing>" when there is none.
  std::string At(std::string_view pointer) const;
  // The string at `pointer` without its quotes; "<missing>" or
  // "<not a string>" otherwise.
  std::string Str(std::string_view pointer) const;
  // The number of items (or members) of the list (or object) at `pointer`;
  // -1 for anything else.
  int64_t Size(std::string_view pointer) const;
  // Whether there is a value at `pointer`.
  bool Has(std::string_view pointer) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace optin::testing

#endif  // OPTIN_TESTS_SUPPORT_JSON_H_
