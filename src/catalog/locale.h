// File: src/catalog/locale.h
//
// Choosing the catalog locale to answer in, the same way everywhere (the
// API, the preference center, the CLI): a language tag matches a catalog
// locale without regard to case (RFC 5646 §2.1.1), or by its primary
// language (`ja-JP` → `ja`).
//
// Thread-safety: pure functions.
#ifndef OPTIN_SRC_CATALOG_LOCALE_H_
#define OPTIN_SRC_CATALOG_LOCALE_H_

#include <string>
#include <string_view>

#include "optin/catalog.h"

namespace optin {

// The catalog locale `tag` stands for, spelt as in the catalog; empty when
// none does.
std::string MatchLocale(const Catalog& catalog, std::string_view tag);

// `requested` when it matches a catalog locale, else the best match of an
// Accept-Language header (RFC 9110 §12.5.4, by weight), else the catalog's
// default locale.
std::string PickLocale(const Catalog& catalog, std::string_view requested, std::string_view accept_language = "");

// An ISO 8601 duration in words, as the preference center writes it:
// `P1Y1M` is "1 year 1 month" in English and "1年1か月" in Japanese (other
// locales get English). A text that is not a duration comes back as it is.
std::string DurationInWords(std::string_view iso_duration, std::string_view locale);

}  // namespace optin

#endif  // OPTIN_SRC_CATALOG_LOCALE_H_
