// File: optin/catalog.h
//
// The catalog: what a company collects (data categories) and why (purposes),
// in the customer's words, per locale. Parsed from a YAML file (format in
// docs/catalog.md, "Catalog format"), validated in full, and given per-purpose
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
  // The record fields that hold this data, as dotted paths into JSON objects
  // (`page.title`) or CSV column names: what `optin filter --mode redact`
  // removes. Not part of the notice.
  std::vector<std::string> fields;
};

// Who else receives a purpose's data, as its notice names them.
struct Recipient {
  // Named in the purpose: the name; from the catalog's `recipients`
  // section: its display name in the default locale.
  std::string name;
  std::string role;  // `processor`, `controller`, `third_party` (or `internal`, from the section)
  // The id in the catalog's `recipients` section; empty for a recipient
  // named in the purpose itself.
  std::string id;
};

// How a recipient is told of a customer's changes (docs/recipients.md).
enum class DeliveryMethod {
  kWebhook,  // optin POSTs each change to its URL, signed
  kPull,     // it reads the change feed
  kManual,   // a person confirms
};
std::string_view DeliveryMethodName(DeliveryMethod method);  // "webhook", "pull", "manual"

// A recipient of the catalog's `recipients` section: who receives which
// purposes' data, and how it is told when a customer says no.
struct CatalogRecipient {
  std::string id;
  std::string legal_name;
  LocalizedText name;     // the display name, per locale
  std::string role;       // `processor`, `controller`, `third_party` or `internal`
  std::string country;    // ISO 3166-1 alpha-2, where it processes the data
  std::vector<std::string> purposes;  // the purposes it is declared to receive, as listed
  // The data categories it receives, as listed; empty: all the data of its
  // purposes.
  std::vector<std::string> data;
  DeliveryMethod delivery = DeliveryMethod::kManual;
  std::string url;  // a webhook's (https, or http to a loopback address)
  // How long it has to confirm that it stopped (canonical ISO 8601; P1D
  // when not given).
  std::string ack_within = "P1D";
};

// How a purpose shows in the signals the ad industry reads
// (docs/signals.md): each entry is granted in a subject's signals only while a
// purpose that lists it is allowed for the subject. Not part of the notice:
// the notice's text must already say what the mapping implies.
struct PurposeSignals {
  std::vector<int> tcf_purposes;          // TCF v2.2 purposes, 1-24
  std::vector<int> tcf_special_features;  // 1-12
  std::vector<int> tcf_vendors;           // IAB Global Vendor List ids, 1-65535
  // `sale`, `sharing`, `targeted_advertising`, `personal_data`, or a
  // sensitive data category of the GPP US sections (kUsSensitiveCategories).
  std::vector<std::string> us;
  std::vector<std::string> consent_mode;  // Google Consent Mode types, e.g. `ad_storage`
  bool empty() const {
    return tcf_purposes.empty() && tcf_special_features.empty() && tcf_vendors.empty() && us.empty() &&
           consent_mode.empty();
  }
};

// The US processing kinds a purpose may map to, then the sensitive data
// categories in the order of the GPP usnat section (version 2).
inline constexpr std::string_view kUsProcessing[] = {"sale", "sharing", "targeted_advertising", "personal_data"};
inline constexpr std::string_view kUsSensitiveCategories[] = {
    "racial_ethnic_origin", "religious_beliefs", "health",          "sex_life",
    "citizenship_status",   "genetic",           "biometric",       "precise_geolocation",
    "government_id",        "financial_account", "union_membership", "communications_content",
    "consumer_health",      "crime_victim",      "national_origin",  "transgender_status"};
inline constexpr std::string_view kConsentModeTypes[] = {
    "ad_storage",            "ad_user_data",            "ad_personalization", "analytics_storage",
    "functionality_storage", "personalization_storage", "security_storage"};
// The Consent Mode types a necessary purpose may grant: the rest need consent.
inline constexpr std::string_view kNecessaryConsentModeTypes[] = {"functionality_storage", "security_storage"};

// The catalog's `signals` settings: what a generated TC or GPP string says
// about the company rather than the customer.
struct SignalSettings {
  bool tcf = false;  // a `signals.tcf` block is present: TC strings are generated
  int cmp_id = 0;
  int cmp_version = 0;
  int vendor_list_version = 0;
  std::string publisher_cc = "AA";  // ISO 3166-1 alpha-2; `AA` = unknown
  std::string consent_language;     // two letters; empty: the first locale's
  std::vector<std::string> gpp_sections;  // names; empty: tcfeuv2 (with tcf) and usnat
  bool mspa_covered_transaction = false;
  // The MSPA mode of a covered transaction: `opt_out_option` or
  // `service_provider` (required when mspa_covered_transaction).
  std::string mspa_mode;
  bool lspa_covered = false;
};

// The tags of a website that belong to one purpose (docs/embed.md): what
// the embed keeps from running, and removes when the purpose is withdrawn.
struct PropertyTags {
  std::string purpose;
  // Host names whose scripts, iframes and images serve the purpose; `*.`
  // before one covers its subdomains.
  std::vector<std::string> hosts;
  // Names of the cookies and the Web Storage keys the tags keep; a `*` at
  // the end matches any name that starts with what comes before it.
  std::vector<std::string> cookies;
  std::vector<std::string> storage;
};

// A website that shows the catalog's notices through the embed (the
// catalog's `properties` section, docs/catalog.md). Not part of any notice.
struct Property {
  std::string id;
  // The origins whose pages may load the property (`https://host[:port]`).
  std::vector<std::string> origins;
  // The domain the embed's cookies are set on: every origin's host is it or
  // a subdomain of it.
  std::string cookie_domain;
  std::vector<std::string> purposes;  // shown on the site, as listed
  std::vector<PropertyTags> tags;     // by purpose, in file order
  std::string default_locale;         // one of the catalog's; its first when not given
  bool tcf = false;                   // TC strings and `__tcfapi` (needs `signals.tcf`)
  std::vector<std::string> gpp_sections;  // answered by `__gpp`; empty: none
  // How long a visitor's record lives after their last choice (canonical
  // ISO 8601); then it lapses and is erased.
  std::string visitor_retention = "P1Y1M";  // 13 months

  const PropertyTags* TagsOf(std::string_view purpose) const;
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
  PurposeSignals signals;
  // Lowercase hex SHA-256 of the canonical notice (docs/notice_version.md).
  std::string notice_version;
};

struct Catalog {
  Organization organization;
  std::vector<std::string> locales;  // the first is the default
  std::vector<DataCategory> data_categories;  // in file order
  std::vector<Purpose> purposes;              // in file order
  std::vector<CatalogRecipient> recipients;   // the `recipients` section, in file order
  std::vector<Property> properties;           // the `properties` section, in file order
  SignalSettings signals;
  std::string source;  // the file's bytes exactly as parsed

  const Purpose* FindPurpose(std::string_view id) const;
  const DataCategory* FindCategory(std::string_view id) const;
  const CatalogRecipient* FindRecipient(std::string_view id) const;
  const Property* FindProperty(std::string_view id) const;
};

// The data categories of `p` that `r` receives, sorted: those of its `data`,
// or all of them when it lists none.
std::vector<std::string> ReceivedData(const CatalogRecipient& r, const Purpose& p);

// Why `id` is not a recipient of `catalog`'s `recipients` section, for an
// error message: "`ID` is not a recipient of the catalog in force", with
// "(did you mean `X`?)" when one is close.
std::string UnknownRecipient(const Catalog& catalog, std::string_view id);

// One changed text of a purpose in one locale, between two publications:
// a word diff in the style of `git diff --word-diff` (`[-removed-]`,
// `{+added+}`; docs/notice_version.md, "Material changes").
struct TextChange {
  std::string purpose;
  std::string field;  // `title`, `description`, `benefit`, `data.ID.title`, `data.ID.description`
  std::string locale;
  std::string diff;
};

// Which rules ParseCatalog applies. kPublish, all of them: for a catalog
// that is linted or about to be published. kPublished: for a catalog read
// back from the ledger, which passed the rules of its day when it was
// published; the rules added since (a `sale_or_share` purpose needs a
// recipient that is not a processor) are left out, so that an older ledger
// still opens.
enum class CatalogRules { kPublish, kPublished };

// Parses and validates a catalog. `file_name` prefixes every error. On
// failure returns kInvalidArgument whose message holds every error found, one
// per line, each as `FILE:LINE:COL: message`.
Result<Catalog> ParseCatalog(std::string_view text, std::string_view file_name,
                             CatalogRules rules = CatalogRules::kPublish);
// Reads `path` (refusing files over kMaxCatalogBytes, kResourceExhausted) and
// parses it. kNotFound if it cannot be read.
Result<Catalog> ParseCatalogFile(const std::string& path);

// The canonical bytes whose SHA-256 is the purpose's notice version.
std::string CanonicalNotice(const Catalog& catalog, const Purpose& purpose);

// The catalog optin ships as a demo: an internet provider, English and Japanese.
std::string_view DemoCatalogYaml();

}  // namespace optin

#endif  // OPTIN_CATALOG_H_
