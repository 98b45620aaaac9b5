#include "src/catalog/properties.h"

#include <algorithm>

namespace optin {

const Property* Catalog::FindProperty(std::string_view id) const {
  for (const Property& p : properties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const PropertyTags* Property::TagsOf(std::string_view purpose) const {
  for (const PropertyTags& t : tags) {
    if (t.purpose == purpose) return &t;
  }
  return nullptr;
}

namespace internal {
namespace {

// The GPP sections the catalog's signals produce: its `gpp_sections`, else
// tcfeuv2 (with TCF) and usnat (docs/signals.md).
std::vector<std::string> CatalogGppSections(const SignalSettings& s) {
  if (!s.gpp_sections.empty()) return s.gpp_sections;
  std::vector<std::string> out;
  if (s.tcf) out.push_back("tcfeuv2");
  out.push_back("usnat");
  return out;
}

bool IsHostLabelChar(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'; }

// A lowercase DNS name of at least `min_labels` labels, such as
// `shop.example`.
bool IsHostName(std::string_view host, size_t min_labels) {
  if (host.empty() || host.size() > 253) return false;
  size_t labels = 0, start = 0;
  while (start <= host.size()) {
    size_t end = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), IsHostLabelChar)) {
      return false;
    }
    ++labels;
    start = end + 1;
  }
  return labels >= min_labels;
}

// The host of an origin `https://host[:port]` (http only for loopback
// hosts, a developer's), or "" when `origin` is not one.
std::string OriginHost(std::string_view origin) {
  std::string_view rest;
  bool secure = origin.starts_with("https://");
  if (secure) rest = origin.substr(8);
  else if (origin.starts_with("http://")) rest = origin.substr(7);
  else return "";
  std::string_view host = rest.substr(0, rest.find(':'));
  if (host.size() < rest.size()) {
    const std::string_view port = rest.substr(host.size() + 1);
    const bool digits = !port.empty() && port.size() <= 5 && port.front() != '0' &&
                        std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits || std::stoi(std::string(port)) > 65535) return "";
  }
  const bool loopback = host == "localhost" || host == "127.0.0.1";
  if (!loopback && !IsHostName(host, 1)) return "";
  if (!secure && !loopback) return "";
  return std::string(host);
}

// A cookie or storage key name: visible ASCII but for the separators of
// RFC 6265, with an optional `*` at the end only.
bool IsNamePattern(std::string_view name) {
  if (name.empty() || name == "*" || name.size() > 256) return false;
  const std::string_view body = name.ends_with('*') ? name.substr(0, name.size() - 1) : name;
  return std::all_of(body.begin(), body.end(), [](char ch) {
    return ch > ' ' && ch < 0x7f && std::string_view("()<>@,;:\\\"/[]?={}*").find(ch) == std::string_view::npos;
  });
}

// A list of strings each once, each passing `valid` (else `rule` is said).
void StringList(Checker& c, const YAML::Node& node, const std::string& what, bool (*valid)(std::string_view),
                const std::string& rule, std::vector<std::string>& out) {
  if (!c.ExpectSequence(node, what)) return;
  for (const auto& item : node) {
    std::string s;
    if (!c.String(item, what + " entry", s)) continue;
    if (!valid(s)) {
      c.Error(item.Mark(), what + ": `" + s + "` " + rule);
    } else if (std::find(out.begin(), out.end(), s) != out.end()) {
      c.Error(item.Mark(), what + " lists `" + s + "` twice");
    } else {
      out.push_back(std::move(s));
    }
  }
}

bool IsOrigin(std::string_view s) { return !OriginHost(s).empty(); }
bool IsHostPattern(std::string_view s) { return IsHostName(s.starts_with("*.") ? s.substr(2) : s, 2); }

void ParseTags(Checker& c, const YAML::Node& node, const std::string& where, const Property& property,
               std::vector<PropertyTags>& out) {
  if (!c.ExpectMap(node, where + " `tags`")) return;
  for (const auto& kv : node) {
    PropertyTags t;
    if (!c.String(kv.first, where + " tag purpose", t.purpose)) continue;
    if (std::find(property.purposes.begin(), property.purposes.end(), t.purpose) == property.purposes.end()) {
      c.Error(kv.first.Mark(), where + " has tags for `" + t.purpose + "`, which is not one of its `purposes`" +
                                   (ClosestMatch(t.purpose, property.purposes).empty()
                                        ? ""
                                        : "; did you mean `" + ClosestMatch(t.purpose, property.purposes) + "`?"));
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const PropertyTags& x) { return x.purpose == t.purpose; })) {
      c.Error(kv.first.Mark(), where + " has tags for `" + t.purpose + "` twice");
      continue;
    }
    const std::string what = where + " tags of `" + t.purpose + "`";
    if (!c.ExpectMap(kv.second, what)) continue;
    auto f = c.Fields(kv.second, what, {"hosts", "cookies", "storage"});
    if (f.count("hosts")) {
      StringList(c, f["hosts"], what + " `hosts`", IsHostPattern,
                 "is not a host name such as `tags.example.com` (or `*.example.com` for its subdomains)", t.hosts);
      // A host serves one purpose: otherwise a yes to one would run the
      // other's tags.
      for (size_t i = 0; i < t.hosts.size(); ++i) {
        for (const PropertyTags& other : out) {
          if (std::find(other.hosts.begin(), other.hosts.end(), t.hosts[i]) != other.hosts.end()) {
            c.Error(f["hosts"][i].Mark(), what + ": host `" + t.hosts[i] + "` is declared for `" + other.purpose +
                                              "` already; a tag host serves one purpose");
          }
        }
      }
    }
    const std::string name_rule = "is not a cookie or storage name (a `*` may end one, to match names that start so)";
    if (f.count("cookies")) StringList(c, f["cookies"], what + " `cookies`", IsNamePattern, name_rule, t.cookies);
    if (f.count("storage")) StringList(c, f["storage"], what + " `storage`", IsNamePattern, name_rule, t.storage);
    out.push_back(std::move(t));
  }
}

}  // namespace

void ParsePropertySection(Checker& c, const YAML::Node& node, Catalog& catalog) {
  if (!c.ExpectMap(node, "`properties`")) return;
  std::vector<std::string> purpose_ids;
  for (const Purpose& p : catalog.purposes) purpose_ids.push_back(p.id);
  for (const auto& kv : node) {
    Property property;
    if (!c.String(kv.first, "property id", property.id)) continue;
    if (!IsValidId(property.id)) {
      c.Error(kv.first.Mark(), "property id `" + property.id +
                                   "` must start with a lowercase letter and use only a-z, 0-9 and _ (at most " +
                                   std::to_string(kMaxIdLength) + " characters)");
      continue;
    }
    if (catalog.FindProperty(property.id)) {
      c.Error(kv.first.Mark(), "duplicate property `" + property.id + "`");
      continue;
    }
    const std::string where = "property `" + property.id + "`";
    const YAML::Node& body = kv.second;
    if (!c.ExpectMap(body, where)) continue;
    auto f = c.Fields(body, where,
                      {"origins", "cookie_domain", "purposes", "tags", "default_locale", "tcf", "gpp_sections",
                       "visitor_retention"});
    for (std::string_view required : {"origins", "cookie_domain", "purposes"}) {
      c.Require(f, body, required, where + " needs `" + std::string(required) + "`");
    }
    if (f.count("origins")) {
      StringList(c, f["origins"], where + " `origins`", IsOrigin,
                 "is not an origin: write it as a browser sends it, such as `https://shop.example` (https, no path; "
                 "http only for localhost or 127.0.0.1)",
                 property.origins);
      if (f["origins"].IsSequence() && f["origins"].size() == 0) {
        c.Error(f["origins"].Mark(), where + " `origins` must name at least one origin");
      }
    }
    if (f.count("cookie_domain") && c.String(f["cookie_domain"], where + " `cookie_domain`", property.cookie_domain)) {
      const std::string& domain = property.cookie_domain;
      if (!IsHostName(domain, 2) && domain != "localhost" && domain != "127.0.0.1") {
        c.Error(f["cookie_domain"].Mark(), where + " `cookie_domain` `" + domain +
                                               "` must be a lowercase domain of at least two labels, such as "
                                               "`shop.example`");
      } else {
        for (size_t i = 0; i < property.origins.size(); ++i) {
          const std::string host = OriginHost(property.origins[i]);
          if (host != domain && !host.ends_with("." + domain)) {
            c.Error(f["cookie_domain"].Mark(),
                    where + " `cookie_domain` `" + domain + "` does not cover origin `" + property.origins[i] +
                        "`: a browser would refuse the cookies there; use a domain its host ends with");
          }
        }
      }
    }
    if (f.count("purposes") && c.ExpectSequence(f["purposes"], where + " `purposes`")) {
      for (const auto& item : f["purposes"]) {
        std::string id;
        if (!c.String(item, where + " purpose", id)) continue;
        if (!catalog.FindPurpose(id)) {
          const std::string near = ClosestMatch(id, purpose_ids);
          c.Error(item.Mark(), where + " shows purpose `" + id + "`, which is not in `purposes`" +
                                   (near.empty() ? "" : "; did you mean `" + near + "`?"));
        } else if (std::find(property.purposes.begin(), property.purposes.end(), id) != property.purposes.end()) {
          c.Error(item.Mark(), where + " lists purpose `" + id + "` twice");
        } else {
          property.purposes.push_back(id);
        }
      }
      if (f["purposes"].size() == 0) c.Error(f["purposes"].Mark(), where + " `purposes` must name at least one");
    }
    if (f.count("tags")) ParseTags(c, f["tags"], where, property, property.tags);
    property.default_locale = catalog.locales.empty() ? "" : catalog.locales.front();
    if (f.count("default_locale") &&
        c.String(f["default_locale"], where + " `default_locale`", property.default_locale) &&
        std::find(catalog.locales.begin(), catalog.locales.end(), property.default_locale) == catalog.locales.end()) {
      c.Error(f["default_locale"].Mark(), where + " `default_locale` `" + property.default_locale +
                                              "` is not one of the catalog's `locales`");
    }
    if (f.count("tcf") && c.Bool(f["tcf"], where + " `tcf`", property.tcf) && property.tcf && !catalog.signals.tcf) {
      c.Error(f["tcf"].Mark(), where + " `tcf: true` needs the catalog's `signals.tcf` block (its `cmp_id` and "
                                       "`vendor_list_version`)");
    }
    if (f.count("gpp_sections")) {
      const std::vector<std::string> available = CatalogGppSections(catalog.signals);
      StringList(c, f["gpp_sections"], where + " `gpp_sections`", [](std::string_view) { return true; }, "",
                 property.gpp_sections);
      for (size_t i = 0; i < property.gpp_sections.size(); ++i) {
        if (std::find(available.begin(), available.end(), property.gpp_sections[i]) == available.end()) {
          std::string list;
          for (const std::string& a : available) list += (list.empty() ? "`" : ", `") + a + "`";
          c.Error(f["gpp_sections"][i].Mark(), where + " `gpp_sections`: the catalog's signals do not make `" +
                                                   property.gpp_sections[i] + "` (they make " + list + ")");
        }
      }
    }
    if (f.count("visitor_retention")) {
      c.Duration(f["visitor_retention"], where + " `visitor_retention`", property.visitor_retention);
    }
    catalog.properties.push_back(std::move(property));
  }
}

}  // namespace internal
}  // namespace optin
