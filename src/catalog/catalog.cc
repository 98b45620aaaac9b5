#include "optin/catalog.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <tuple>
#include <sys/stat.h>

#include "src/common/closest.h"
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/common/utf8.h"
#include "src/catalog/notices_json.h"
#include "src/catalog/properties.h"
#include "src/catalog/recipients.h"
#include "src/catalog/yaml_checker.h"

namespace optin {
namespace {

using internal::Checker;
using internal::DoubleQuoted;
using internal::IsValidId;
using internal::IsValidLocale;
using internal::Keys;
using internal::kMaxIdLength;

void ParseOrganization(Checker& c, const YAML::Node& node, Organization& org) {
  if (!c.ExpectMap(node, "`organization`")) return;
  auto f = c.Fields(node, "`organization`", {"name", "contact"}, {"name", "contact"});
  c.Require(f, node, "name", "`organization` needs a `name`");
  if (f.count("name")) c.String(f["name"], "`organization.name`", org.name);
  if (f.count("contact")) c.String(f["contact"], "`organization.contact`", org.contact);
}

void ParseLocales(Checker& c, const YAML::Node& node, std::vector<std::string>& locales) {
  if (!c.ExpectSequence(node, "`locales`")) return;
  for (const auto& item : node) {
    std::string tag;
    if (!c.String(item, "a locale", tag)) continue;
    if (!IsValidLocale(tag)) {
      c.Error(item.Mark(), "`" + tag + "` is not a language tag such as `en` or `ja`");
    } else if (std::find(locales.begin(), locales.end(), tag) != locales.end()) {
      c.Error(item.Mark(), "locale `" + tag + "` is listed twice");
    } else {
      locales.push_back(tag);
    }
  }
  if (locales.empty()) c.Error(node.Mark(), "`locales` must list at least one locale");
}

bool CheckId(Checker& c, const YAML::Node& key, std::string_view what, std::string& id) {
  if (!c.String(key, what, id)) return false;
  if (!IsValidId(id)) {
    c.Error(key.Mark(), std::string(what) + " `" + id +
                            "` must start with a lowercase letter and use only a-z, 0-9 and _ (at most " +
                            std::to_string(kMaxIdLength) + " characters)");
    return false;
  }
  return true;
}

void ParseCategories(Checker& c, const YAML::Node& node, Catalog& catalog) {
  if (!c.ExpectMap(node, "`data_categories`")) return;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    DataCategory cat;
    if (!CheckId(c, kv.first, "data category id", cat.id)) continue;
    if (!seen.insert(cat.id).second) {
      c.Error(kv.first.Mark(), "duplicate data category `" + cat.id + "`");
      continue;
    }
    const std::string where = "data category `" + cat.id + "`";
    if (!c.ExpectMap(kv.second, where)) continue;
    auto f = c.Fields(kv.second, where, {"title", "description", "sensitive", "fields"}, {"title", "description"});
    for (std::string_view required : {"title", "description"}) {
      c.Require(f, kv.second, required, where + " needs a `" + std::string(required) + "`");
    }
    if (f.count("title")) c.Text(f["title"], where + " `title`", catalog.locales, cat.title);
    if (f.count("description")) c.Text(f["description"], where + " `description`", catalog.locales, cat.description);
    if (f.count("sensitive")) c.Bool(f["sensitive"], where + " `sensitive`", cat.sensitive);
    if (f.count("fields") && c.ExpectSequence(f["fields"], where + " `fields`")) {
      for (const auto& item : f["fields"]) {
        std::string field;
        if (!c.String(item, where + " field", field)) continue;
        // A dotted path: segments of at least one character, no empty ones.
        const bool well_formed = field.front() != '.' && field.back() != '.' && field.find("..") == std::string::npos;
        if (!well_formed) {
          c.Error(item.Mark(), where + " field `" + field + "` must be a name or a dotted path such as `page.title`");
        } else if (std::find(cat.fields.begin(), cat.fields.end(), field) != cat.fields.end()) {
          c.Error(item.Mark(), where + " lists field `" + field + "` twice");
        } else {
          cat.fields.push_back(field);
        }
      }
    }
    catalog.data_categories.push_back(std::move(cat));
  }
}

// A list of integers within [low, high], each once.
void IntList(Checker& c, const YAML::Node& node, const std::string& what, int low, int high, std::vector<int>& out) {
  if (!c.ExpectSequence(node, what)) return;
  for (const auto& item : node) {
    if (!c.Visit(item)) return;
    int v = 0;
    if (!item.IsScalar() || !YAML::convert<int>::decode(item, v) || v < low || v > high) {
      c.Error(item.Mark(), what + " entries must be whole numbers from " + std::to_string(low) + " to " +
                               std::to_string(high));
    } else if (std::find(out.begin(), out.end(), v) != out.end()) {
      c.Error(item.Mark(), what + " lists " + std::to_string(v) + " twice");
    } else {
      out.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
}

// A list of words, each one of `allowed` and listed once.
void WordList(Checker& c, const YAML::Node& node, const std::string& what,
              std::initializer_list<std::span<const std::string_view>> allowed, std::vector<std::string>& out) {
  if (!c.ExpectSequence(node, what)) return;
  for (const auto& item : node) {
    std::string word;
    if (!c.String(item, what + " entry", word)) continue;
    bool known = false;
    std::string list;
    for (auto words : allowed) {
      for (std::string_view a : words) {
        known = known || a == word;
        list += (list.empty() ? "" : ", ") + std::string(a);
      }
    }
    if (!known) {
      c.Error(item.Mark(), what + ": unknown `" + word + "` (expected one of: " + list + ")");
    } else if (std::find(out.begin(), out.end(), word) != out.end()) {
      c.Error(item.Mark(), what + " lists `" + word + "` twice");
    } else {
      out.push_back(word);
    }
  }
}

constexpr int kMaxTcfPurpose = 24;
constexpr int kMaxTcfSpecialFeature = 12;
constexpr int kMaxTcfVendor = 65535;
constexpr int kMaxTcfTwelveBits = 4095;  // cmp_id, cmp_version, vendor_list_version
constexpr std::string_view kGppSectionNames[] = {"tcfeuv2", "uspv1", "usnat", "usca"};

// `basis` is empty when the purpose's basis is missing or unknown (already
// reported): the rules that depend on it are left out.
void ParsePurposeSignals(Checker& c, const YAML::Node& node, const std::string& where, std::optional<Basis> basis,
                         Purpose& p) {
  const std::string what = where + " `signals`";
  if (!c.ExpectMap(node, what)) return;
  auto f = c.Fields(node, what, {"tcf_purposes", "tcf_special_features", "tcf_vendors", "us", "consent_mode"});
  PurposeSignals& s = p.signals;
  if (f.count("tcf_purposes")) IntList(c, f["tcf_purposes"], what + " `tcf_purposes`", 1, kMaxTcfPurpose, s.tcf_purposes);
  if (f.count("tcf_special_features")) {
    IntList(c, f["tcf_special_features"], what + " `tcf_special_features`", 1, kMaxTcfSpecialFeature,
            s.tcf_special_features);
  }
  if (f.count("tcf_vendors")) IntList(c, f["tcf_vendors"], what + " `tcf_vendors`", 1, kMaxTcfVendor, s.tcf_vendors);
  if (f.count("us")) WordList(c, f["us"], what + " `us`", {kUsProcessing, kUsSensitiveCategories}, s.us);
  if (f.count("consent_mode")) WordList(c, f["consent_mode"], what + " `consent_mode`", {kConsentModeTypes}, s.consent_mode);
  if (!p.sale_or_share) {
    // So that Global Privacy Control, which opts out of every sale_or_share
    // purpose, reaches these opt-outs too.
    for (std::string_view kind : {"sale", "sharing", "targeted_advertising"}) {
      if (std::find(s.us.begin(), s.us.end(), kind) != s.us.end()) {
        c.Error(f["us"].Mark(), where + " maps to US `" + std::string(kind) + "` and must be `sale_or_share: true`");
      }
    }
  }
  if (basis != Basis::kNecessary) return;
  // A necessary purpose is allowed without consent: it must not stand in for
  // a consent or an opt-out the customer never gave.
  for (const char* key : {"tcf_purposes", "tcf_special_features", "tcf_vendors", "us"}) {
    if (f.count(key)) {
      c.Error(f[key].Mark(), where + " is necessary and cannot map to `" + key +
                                 "`: those signals carry the customer's own choice");
    }
  }
  for (const std::string& type : s.consent_mode) {
    if (std::find(std::begin(kNecessaryConsentModeTypes), std::end(kNecessaryConsentModeTypes), type) ==
        std::end(kNecessaryConsentModeTypes)) {
      c.Error(f["consent_mode"].Mark(), where + " is necessary and cannot grant Consent Mode `" + type +
                                            "` (only functionality_storage and security_storage)");
    }
  }
}

bool TwoLetters(const std::string& s) {
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

void ParseSignalSettings(Checker& c, const YAML::Node& node, SignalSettings& s) {
  if (!c.ExpectMap(node, "`signals`")) return;
  auto f = c.Fields(node, "`signals`", {"tcf", "gpp_sections", "mspa_covered_transaction", "mspa_mode", "lspa_covered"});
  if (f.count("tcf") && c.ExpectMap(f["tcf"], "`signals.tcf`")) {
    s.tcf = true;
    const YAML::Node& tcf = f["tcf"];
    auto t = c.Fields(tcf, "`signals.tcf`",
                      {"cmp_id", "cmp_version", "vendor_list_version", "publisher_cc", "consent_language"});
    auto number = [&](const char* key, int low, int& out) {
      const std::string what = std::string("`signals.tcf.") + key + "`";
      if (!t.count(key)) {
        if (low > 0) c.Require(t, tcf, key, "`signals.tcf` needs `" + std::string(key) + "`");
        return;
      }
      c.Visit(t[key]);
      if (!t[key].IsScalar() || !YAML::convert<int>::decode(t[key], out) || out < low || out > kMaxTcfTwelveBits) {
        c.Error(t[key].Mark(), what + " must be a whole number from " + std::to_string(low) + " to " +
                                   std::to_string(kMaxTcfTwelveBits));
      }
    };
    number("cmp_id", 2, s.cmp_id);  // the IAB assigns CMP IDs from 2; readers refuse 0 and 1
    number("cmp_version", 0, s.cmp_version);
    number("vendor_list_version", 1, s.vendor_list_version);
    for (auto [key, out] : {std::pair{"publisher_cc", &s.publisher_cc}, std::pair{"consent_language", &s.consent_language}}) {
      if (!t.count(key)) continue;
      const std::string what = std::string("`signals.tcf.") + key + "`";
      if (c.String(t[key], what, *out) && !TwoLetters(*out)) {
        c.Error(t[key].Mark(), what + " must be two capital letters, such as `DE` or `JP`");
      }
    }
  }
  if (f.count("gpp_sections")) {
    WordList(c, f["gpp_sections"], "`signals.gpp_sections`", {kGppSectionNames}, s.gpp_sections);
    if (f["gpp_sections"].IsSequence() && f["gpp_sections"].size() == 0) {
      c.Error(f["gpp_sections"].Mark(), "`signals.gpp_sections` is empty; name a section, or leave the key out for the default");
    }
    if (!s.tcf && std::find(s.gpp_sections.begin(), s.gpp_sections.end(), "tcfeuv2") != s.gpp_sections.end()) {
      c.Error(f["gpp_sections"].Mark(), "`signals.gpp_sections` lists `tcfeuv2`, which needs a `signals.tcf` block");
    }
  }
  if (f.count("mspa_covered_transaction")) {
    c.Bool(f["mspa_covered_transaction"], "`signals.mspa_covered_transaction`", s.mspa_covered_transaction);
  }
  // A covered transaction runs in exactly one of the MSPA's two modes, which
  // the US sections state (one `yes`, the other `no`).
  if (f.count("mspa_mode")) {
    if (c.String(f["mspa_mode"], "`signals.mspa_mode`", s.mspa_mode) && s.mspa_mode != "opt_out_option" &&
        s.mspa_mode != "service_provider") {
      c.Error(f["mspa_mode"].Mark(), "`signals.mspa_mode` is `opt_out_option` or `service_provider`, not `" +
                                         s.mspa_mode + "`");
    } else if (!s.mspa_covered_transaction) {
      c.Error(f["mspa_mode"].Mark(), "`signals.mspa_mode` applies only with `mspa_covered_transaction: true`");
    }
  } else if (s.mspa_covered_transaction) {
    c.Error(f["mspa_covered_transaction"].Mark(),
            "`signals.mspa_covered_transaction: true` needs `mspa_mode`: `opt_out_option` or `service_provider`");
  }
  if (f.count("lspa_covered")) c.Bool(f["lspa_covered"], "`signals.lspa_covered`", s.lspa_covered);
}

void ParsePurposes(Checker& c, const YAML::Node& node, CatalogRules rules, Catalog& catalog) {
  if (!c.ExpectMap(node, "`purposes`")) return;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    Purpose p;
    if (!CheckId(c, kv.first, "purpose id", p.id)) continue;
    if (!seen.insert(p.id).second) {
      c.Error(kv.first.Mark(), "duplicate purpose `" + p.id + "`");
      continue;
    }
    const std::string where = "purpose `" + p.id + "`";
    const YAML::Node& body = kv.second;
    if (!c.ExpectMap(body, where)) continue;
    auto f = c.Fields(body, where,
                      {"basis", "title", "description", "benefit", "data", "recipients", "retention", "expires",
                       "sale_or_share", "signals"},
                      {"title", "description", "benefit"});
    // Empty while the basis is missing or unknown: the rules for consent or
    // necessary purposes then stay silent rather than guess.
    std::optional<Basis> basis;
    c.Require(f, body, "basis", where + " needs a `basis` (`consent` or `necessary`)");
    if (std::string name; f.count("basis") && c.String(f["basis"], where + " `basis`", name)) {
      if (name == "consent") basis = Basis::kConsent;
      else if (name == "necessary") basis = Basis::kNecessary;
      if (basis) {
        p.basis = *basis;
      } else {
        const std::vector<std::string> bases = {"consent", "necessary"};
        const std::string closest = ClosestMatch(name, bases);
        c.Error(f["basis"].Mark(), where + " `basis` must be `consent` or `necessary`, not `" + name + "`" +
                                       (closest.empty() ? "" : "; did you mean `" + closest + "`?"));
      }
    }
    const bool consent = basis == Basis::kConsent;
    const bool necessary = basis == Basis::kNecessary;
    for (std::string_view required : {"title", "description"}) {
      c.Require(f, body, required, where + " needs a `" + std::string(required) + "`");
    }
    if (consent) {
      c.Require(f, body, "benefit", where + " is a consent purpose and needs a `benefit`: what the customer gains");
      c.Require(f, body, "data", where + " is a consent purpose and needs `data`: the data categories it uses");
      c.Require(f, body, "retention", where + " is a consent purpose and needs a `retention`, such as `P13M`");
    }
    if (f.count("title")) c.Text(f["title"], where + " `title`", catalog.locales, p.title);
    if (f.count("description")) c.Text(f["description"], where + " `description`", catalog.locales, p.description);
    if (f.count("benefit")) c.Text(f["benefit"], where + " `benefit`", catalog.locales, p.benefit);
    if (f.count("data") && c.ExpectSequence(f["data"], where + " `data`")) {
      for (const auto& item : f["data"]) {
        std::string id;
        if (!c.String(item, where + " data category", id)) continue;
        if (!catalog.FindCategory(id)) {
          c.Error(item.Mark(), where + " uses data category `" + id + "`, which is not declared in `data_categories`");
        } else if (std::find(p.data.begin(), p.data.end(), id) != p.data.end()) {
          c.Error(item.Mark(), where + " lists data category `" + id + "` twice");
        } else {
          p.data.push_back(id);
        }
      }
      if (consent && f["data"].IsSequence() && f["data"].size() == 0) {
        c.Error(f["data"].Mark(), where + " `data` must name at least one data category");
      }
    }
    if (f.count("recipients")) internal::ParsePurposeRecipients(c, f["recipients"], where, rules, catalog, p);
    if (f.count("retention")) c.Duration(f["retention"], where + " `retention`", p.retention);
    if (f.count("expires")) c.Duration(f["expires"], where + " `expires`", p.expires);
    if (f.count("sale_or_share") && c.Bool(f["sale_or_share"], where + " `sale_or_share`", p.sale_or_share)) {
      if (p.sale_or_share && necessary) {
        c.Error(f["sale_or_share"].Mark(),
                where + " is necessary and cannot be `sale_or_share`: selling or sharing data is never necessary "
                        "to provide the service");
      }
      // A processor acts only on the company's behalf: what it receives is
      // neither sold nor shared, so a sale or share needs someone else. A
      // recipient whose role could not be read is no processor here, so that
      // its own error stands alone.
      const bool recipients_read = !f.count("recipients") || f["recipients"].IsSequence();
      const bool only_processors = std::all_of(p.recipients.begin(), p.recipients.end(),
                                               [](const Recipient& r) { return r.role == "processor"; });
      if (rules == CatalogRules::kPublish && p.sale_or_share && consent && recipients_read && only_processors) {
        c.Error(f["sale_or_share"].Mark(),
                where + " is `sale_or_share: true`, but " +
                    (p.recipients.empty() ? std::string("it has no `recipients`")
                                          : std::string("every recipient is a `processor`, acting only on the "
                                                        "company's behalf")) +
                    ", so nothing is sold or shared (name the `third_party` that receives the data, or set "
                    "`sale_or_share: false`)");
      }
    }
    if (f.count("signals")) ParsePurposeSignals(c, f["signals"], where, basis, p);
    if (necessary && f.count("expires")) {
      c.Error(f["expires"].Mark(), where + " is necessary and has no consent to expire; remove `expires`");
    }
    catalog.purposes.push_back(std::move(p));
  }
  if (catalog.purposes.empty() && node.IsMap()) c.Error(node.Mark(), "`purposes` must declare at least one purpose");
}

void WriteText(JsonWriter& w, const LocalizedText& text) {
  w.BeginObject();
  for (const auto& [locale, value] : text) w.Key(locale).String(value);
  w.EndObject();
}

// The (line, column), 1-based, of byte `offset` in `text`.
std::pair<int, int> PositionOf(std::string_view text, size_t offset) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

std::string_view BasisName(Basis basis) { return basis == Basis::kConsent ? "consent" : "necessary"; }

const Purpose* Catalog::FindPurpose(std::string_view id) const {
  for (const auto& p : purposes) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const DataCategory* Catalog::FindCategory(std::string_view id) const {
  for (const auto& c : data_categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// DO NOT CHANGE without a new notice format version: this encoding is hashed
// into every notice version (docs/notice_version.md).
std::string CanonicalNotice(const Catalog& catalog, const Purpose& p) {
  JsonWriter w;
  w.BeginObject();  // keys in byte order
  w.Key("basis").String(BasisName(p.basis));
  w.Key("benefit");
  if (p.benefit.empty()) w.Null();
  else WriteText(w, p.benefit);
  std::vector<std::string> data = p.data;
  std::sort(data.begin(), data.end());
  w.Key("data").BeginArray();
  for (const auto& id : data) {
    const DataCategory* cat = catalog.FindCategory(id);
    w.BeginObject();
    w.Key("description");
    WriteText(w, cat ? cat->description : LocalizedText{});
    w.Key("id").String(id);
    w.Key("sensitive").Bool(cat && cat->sensitive);
    w.Key("title");
    WriteText(w, cat ? cat->title : LocalizedText{});
    w.EndObject();
  }
  w.EndArray();
  w.Key("description");
  WriteText(w, p.description);
  w.Key("expires").StringOrNull(p.expires);
  w.Key("id").String(p.id);
  w.Key("recipients");
  internal::WriteCanonicalRecipients(w, catalog, p);
  w.Key("retention").StringOrNull(p.retention);
  w.Key("sale_or_share").Bool(p.sale_or_share);
  w.Key("title");
  WriteText(w, p.title);
  w.Key("version").Int(internal::NoticeFormat(p));
  w.EndObject();
  return std::move(w).Take();
}

Result<Catalog> ParseCatalog(std::string_view text, std::string_view file_name, CatalogRules rules) {
  Checker c(file_name);
  if (text.size() > kMaxCatalogBytes) {
    return ResourceExhaustedError(std::string(file_name) + ": the file is " + std::to_string(text.size()) +
                                  " bytes; a catalog may be at most " + std::to_string(kMaxCatalogBytes) + " bytes");
  }
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    auto [line, col] = PositionOf(text, bad);
    c.ErrorAt(line, col, "the file is not valid UTF-8 (a catalog is a UTF-8 text file)");
    return InvalidArgumentError(c.Joined());
  }
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    auto [line, col] = PositionOf(text, nul);
    c.ErrorAt(line, col, "the file contains a NUL byte: it looks binary, not a YAML catalog");
    return InvalidArgumentError(c.Joined());
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    c.Error(e.mark, "malformed YAML: " + e.msg);
    return InvalidArgumentError(c.Joined());
  } catch (const std::exception& e) {
    c.ErrorAt(1, 1, std::string("malformed YAML: ") + e.what());
    return InvalidArgumentError(c.Joined());
  }

  Catalog catalog;
  catalog.source = std::string(text);
  try {
    if (!root || root.IsNull()) {
      c.ErrorAt(1, 1, "the file is empty; a catalog needs `organization`, `locales` and `purposes`");
      return InvalidArgumentError(c.Joined());
    }
    if (!c.ExpectMap(root, "the catalog")) return InvalidArgumentError(c.Joined());
    auto f = c.Fields(root, "the catalog",
                      {"organization", "locales", "data_categories", "recipients", "purposes", "signals", "properties"});
    for (std::string_view required : {"organization", "locales", "purposes"}) {
      c.Require(f, root, required, "the catalog needs `" + std::string(required) + "`");
    }
    if (f.count("organization")) ParseOrganization(c, f["organization"], catalog.organization);
    if (f.count("locales")) ParseLocales(c, f["locales"], catalog.locales);
    if (f.count("data_categories")) ParseCategories(c, f["data_categories"], catalog);
    if (f.count("recipients")) internal::ParseRecipientSection(c, f["recipients"], catalog);
    if (f.count("purposes")) ParsePurposes(c, f["purposes"], rules, catalog);
    if (f.count("recipients") && f["recipients"].IsMap()) {
      internal::CheckRecipientDeclarations(c, f["recipients"], catalog);
    }
    if (f.count("signals")) ParseSignalSettings(c, f["signals"], catalog.signals);
    if (f.count("properties")) internal::ParsePropertySection(c, f["properties"], catalog);
    if (!catalog.signals.tcf) {
      for (const Purpose& p : catalog.purposes) {
        if (p.signals.tcf_purposes.empty() && p.signals.tcf_special_features.empty() && p.signals.tcf_vendors.empty()) {
          continue;
        }
        c.Error(f["purposes"][p.id].Mark(), "purpose `" + p.id +
                                                "` maps to TCF, which needs a `signals.tcf` block with `cmp_id` and "
                                                "`vendor_list_version`");
      }
    }
  } catch (const std::exception& e) {
    c.ErrorAt(1, 1, std::string("could not read the catalog: ") + e.what());
  }
  if (c.HasErrors()) return InvalidArgumentError(c.Joined());
  for (auto& p : catalog.purposes) p.notice_version = ToHex(Sha256(CanonicalNotice(catalog, p)));
  return catalog;
}

Result<Catalog> ParseCatalogFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFoundError("cannot read catalog `" + path + "`: no such file");
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError("catalog `" + path + "` is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxCatalogBytes) {
    return ResourceExhaustedError(path + ": the file is " + std::to_string(st.st_size) +
                                  " bytes; a catalog may be at most " + std::to_string(kMaxCatalogBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read catalog `" + path + "`");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.gcount() != st.st_size) return UnavailableError("could not read all of `" + path + "`");
  return ParseCatalog(text, path);
}

}  // namespace optin
