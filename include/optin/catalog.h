// File: optin/catalog.h
//
// The catalog: what a company collects (data categories) and why (purposes),
// in the customer's words, per locale. Parsed from a YAML file (format in
// README.md, "Catalog format"), validated in full, and given per-purpose
// notice versions: the SHA-256 of a canonical encoding of everything the
// customer is shown about the purpose (docs/notice_version.md).
//
// Thread-safety: a Catalog is an immutable value once parsed.
//
// Example:
//   Result<Catalog> catalog = ParseCatalogFile("catalog.yaml");
//   if (!catalog.ok()) { std::cerr << catalog.status().message(); return; }
//   for (const Purpose& p : catalog->purposes) std::cout << p.id << " " << p.notice_version << "\n";
#ifndef OPTIN_CATALOG_H_
#define OPTIN_CATALOG_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "optin/status.h"

namespace optin {

// Largest catalog file accepted.
constexpr size_t kMaxCatalogBytes = 4 * 1024 * 1024;

// locale -> text, ordered by locale.
using LocalizedText = std::map<std::string, std::string>;

struct Organization {
  std::string name;
  std::string contact;
};

struct DataCategory {
  std::string id;
  LocalizedText title;
  LocalizedText description;
  bool sensitive = false;
};

struct Recipient {
  std::string name;
  std::string role;  // e.g. `processor`, `controller`, `third_party`
};

enum class Basis { kConsent, kNecessary };
std::string_view BasisName(Basis basis);  // "consent" / "necessary"

struct Purpose {
  std::string id;
  Basis basis = Basis::kConsent;
  LocalizedText title;
  LocalizedText description;
  LocalizedText benefit;  // empty when not given (allowed only for necessary)
  std::vector<std::string> data;  // data category ids, as listed
  std::vector<Recipient> recipients;
  std::string retention;  // canonical ISO 8601 duration; empty when not given
  std::string expires;    // canonical ISO 8601 duration; empty = never
  bool sale_or_share = false;
  // Lowercase hex SHA-256 of the canonical notice (docs/notice_version.md).
  std::string notice_version;
};

struct Catalog {
  Organization organization;
  std::vector<std::string> locales;  // the first is the default
  std::vector<DataCategory> data_categories;  // in file order
  std::vector<Purpose> purposes;              // in file order
  std::string source;  // the file's bytes exactly as parsed

  const Purpose* FindPurpose(std::string_view id) const;
  const DataCategory* FindCategory(std::string_view id) const;
};

// Parses and validates a catalog. `file_name` prefixes every error. On
// failure returns kInvalidArgument whose message holds every error found, one
// per line, each as `FILE:LINE:COL: message`.
Result<Catalog> ParseCatalog(std::string_view text, std::string_view file_name);
// Reads `path` (refusing files over kMaxCatalogBytes, kResourceExhausted) and
// parses it. kNotFound if it cannot be read.
Result<Catalog> ParseCatalogFile(const std::string& path);

// The canonical bytes whose SHA-256 is the purpose's notice version.
std::string CanonicalNotice(const Catalog& catalog, const Purpose& purpose);

// The catalog optin ships as a demo: an internet provider, English and Japanese.
std::string_view DemoCatalogYaml();

}  // namespace optin

#endif  // OPTIN_CATALOG_H_
