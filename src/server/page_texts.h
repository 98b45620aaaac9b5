// File: src/server/page_texts.h
//
// What the pages the server writes itself (the export page, the one-click
// opt-out page) share with the preference center: its texts, web/i18n/
// LANG.json, read by dotted key with `{name}` filled in, English for
// anything missing; HTML escaping; and dates in words.
//
// Thread-safety: a Texts is immutable once made; the functions are pure.
#ifndef OPTIN_SRC_SERVER_PAGE_TEXTS_H_
#define OPTIN_SRC_SERVER_PAGE_TEXTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace optin::server {

// `text` with `& < > " '` written as character references.
std::string Escaped(std::string_view text);

// The preference center's texts in one language, with English for anything
// missing.
class Texts {
 public:
  explicit Texts(std::string_view locale);

  // The text at a dotted `key` (`export.title`) with `{name}` filled in; the
  // key itself when there is none. Plain text: escape it for a page.
  std::string Plain(std::string_view key, const std::map<std::string, std::string>& values = {}) const;
  // The same, escaped for a page.
  std::string operator()(std::string_view key, const std::map<std::string, std::string>& values = {}) const {
    return Escaped(Plain(key, values));
  }

  // The form of `key` (`{one, other}`) for the number `n`, with `{n}` and
  // `values` filled in (plain text).
  std::string Plural(std::string_view key, uint64_t n, std::map<std::string, std::string> values = {}) const;

  bool ja() const { return lang_ == "ja"; }

 private:
  void Load(std::string_view locale);

  std::map<std::string, std::string> strings_;
  std::string lang_;
};

// `2026-11-29 06:36 UTC` / `2026年11月29日 06:36（UTC）` (plain text).
std::string DateInWords(const Texts& t, int64_t micros);

// A month `YYYY-MM` in words: `November 2026` / `2026年11月` (plain text).
std::string MonthInWords(const Texts& t, std::string_view month);

}  // namespace optin::server

#endif  // OPTIN_SRC_SERVER_PAGE_TEXTS_H_
