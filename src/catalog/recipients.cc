#include "src/catalog/recipients.h"

#include <algorithm>
#include <set>

namespace optin {

std::string_view DeliveryMethodName(DeliveryMethod method) {
  switch (method) {
    case DeliveryMethod::kWebhook: return "webhook";
    case DeliveryMethod::kPull: return "pull";
    case DeliveryMethod::kManual: return "manual";
  }
  return "manual";
}

const CatalogRecipient* Catalog::FindRecipient(std::string_view id) const {
  for (const auto& r : recipients) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<std::string> ReceivedData(const CatalogRecipient& r, const Purpose& p) {
  std::vector<std::string> out;
  for (const std::string& id : p.data) {
    if (r.data.empty() || std::find(r.data.begin(), r.data.end(), id) != r.data.end()) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string UnknownRecipient(const Catalog& catalog, std::string_view id) {
  std::vector<std::string> ids;
  for (const CatalogRecipient& r : catalog.recipients) ids.push_back(r.id);
  const std::string near = ClosestMatch(id, ids);
  return "`" + std::string(id) + "` is not a recipient of the catalog in force" +
         (near.empty() ? "" : " (did you mean `" + near + "`?)");
}

namespace internal {
namespace {

// The roles a recipient may have: what the preference center explains to
// customers, and what the material-change and sale-or-share rules reason
// about. `internal` (another part of the company) only in the section,
// where its country is said.
const std::vector<std::string> kRecipientRoles = {"processor", "controller", "third_party"};
const std::vector<std::string> kSectionRoles = {"processor", "controller", "third_party", "internal"};
const std::vector<std::string> kDeliveryMethods = {"webhook", "pull", "manual"};

std::string OneOf(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + ("`" + words[i] + "`");
  }
  return out;
}

// `did you mean` for a near miss of one of `words`, or "".
std::string DidYouMean(const std::string& word, const std::vector<std::string>& words) {
  const std::string closest = ClosestMatch(word, words);
  return closest.empty() ? "" : "; did you mean `" + closest + "`?";
}

// A role among `roles`; reported otherwise.
void Role(Checker& c, const YAML::Node& node, const std::string& what, const std::vector<std::string>& roles,
          std::string& out) {
  if (!c.String(node, what, out)) return;
  if (std::find(roles.begin(), roles.end(), out) == roles.end()) {
    c.Error(node.Mark(), what + " must be " + OneOf(roles) + ", not `" + out + "`" + DidYouMean(out, roles));
  }
}

// A webhook's address: https, or http to a loopback address (a test's).
bool IsWebhookUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return false;
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  for (char ch : url) {
    if (static_cast<unsigned char>(ch) <= ' ' || ch == '#' || ch == '"' || ch == '<' || ch == '>' || ch == '\\') {
      return false;
    }
  }
  if (url.starts_with("https://")) return true;
  std::string_view host = authority;
  if (host.starts_with('[')) host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.find(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

void ParseRecipientSection(Checker& c, const YAML::Node& node, Catalog& catalog) {
  if (!c.ExpectMap(node, "`recipients`")) return;
  for (const auto& kv : node) {
    CatalogRecipient r;
    std::string id;
    if (!c.String(kv.first, "recipient id", id)) continue;
    if (!IsValidId(id)) {
      c.Error(kv.first.Mark(), "recipient id `" + id +
                                   "` must start with a lowercase letter and use only a-z, 0-9 and _ (at most " +
                                   std::to_string(kMaxIdLength) + " characters)");
      continue;
    }
    if (catalog.FindRecipient(id)) {
      c.Error(kv.first.Mark(), "duplicate recipient `" + id + "`");
      continue;
    }
    r.id = id;
    const std::string where = "recipient `" + id + "`";
    const YAML::Node& body = kv.second;
    if (!c.ExpectMap(body, where)) continue;
    auto f = c.Fields(body, where,
                      {"legal_name", "name", "role", "country", "purposes", "data", "delivery", "url", "ack_within",
                       "secret"},
                      {"legal_name", "name"});
    for (std::string_view required : {"legal_name", "name", "role", "country", "purposes", "delivery"}) {
      c.Require(f, body, required, where + " needs `" + std::string(required) + "`");
    }
    if (f.count("legal_name")) c.String(f["legal_name"], where + " `legal_name`", r.legal_name);
    if (f.count("name")) c.Text(f["name"], where + " `name`", catalog.locales, r.name);
    if (f.count("role")) Role(c, f["role"], where + " `role`", kSectionRoles, r.role);
    if (f.count("country") && c.String(f["country"], where + " `country`", r.country)) {
      const bool two_letters = r.country.size() == 2 && std::all_of(r.country.begin(), r.country.end(), [](char ch) {
                                 return ch >= 'A' && ch <= 'Z';
                               });
      if (!two_letters) {
        c.Error(f["country"].Mark(), where + " `country` must be an ISO 3166-1 code of two capital letters, such "
                                             "as `US` or `JP`, not `" + r.country + "`");
      }
    }
    if (f.count("purposes") && c.ExpectSequence(f["purposes"], where + " `purposes`")) {
      for (const auto& item : f["purposes"]) {
        std::string purpose;
        if (!c.String(item, where + " purpose", purpose)) continue;
        if (std::find(r.purposes.begin(), r.purposes.end(), purpose) != r.purposes.end()) {
          c.Error(item.Mark(), where + " lists purpose `" + purpose + "` twice");
        } else {
          r.purposes.push_back(purpose);
        }
      }
      if (f["purposes"].size() == 0) c.Error(f["purposes"].Mark(), where + " `purposes` must name at least one purpose");
    }
    if (f.count("data") && c.ExpectSequence(f["data"], where + " `data`")) {
      for (const auto& item : f["data"]) {
        std::string category;
        if (!c.String(item, where + " data category", category)) continue;
        if (!catalog.FindCategory(category)) {
          c.Error(item.Mark(), where + " receives data category `" + category +
                                   "`, which is not declared in `data_categories`");
        } else if (std::find(r.data.begin(), r.data.end(), category) != r.data.end()) {
          c.Error(item.Mark(), where + " lists data category `" + category + "` twice");
        } else {
          r.data.push_back(category);
        }
      }
    }
    std::string method;
    if (f.count("delivery") && c.String(f["delivery"], where + " `delivery`", method)) {
      if (method == "webhook") r.delivery = DeliveryMethod::kWebhook;
      else if (method == "pull") r.delivery = DeliveryMethod::kPull;
      else if (method == "manual") r.delivery = DeliveryMethod::kManual;
      else {
        c.Error(f["delivery"].Mark(), where + " `delivery` must be " + OneOf(kDeliveryMethods) + ", not `" + method +
                                          "`" + DidYouMean(method, kDeliveryMethods));
        method.clear();
      }
    }
    if (f.count("url")) {
      if (c.String(f["url"], where + " `url`", r.url) && !IsWebhookUrl(r.url)) {
        c.Error(f["url"].Mark(), where + " `url` `" + r.url +
                                     "` must be an https:// address (http:// only to 127.0.0.1, localhost or [::1]), "
                                     "without credentials or a fragment");
      }
      if (!method.empty() && method != "webhook") {
        c.Error(f["url"].Mark(), where + " is told by `" + method + "`, so it has no `url`; remove it");
      }
    } else if (method == "webhook") {
      c.Error(body.Mark(), where + " is told by `webhook` and needs its `url`");
    }
    if (f.count("ack_within")) c.Duration(f["ack_within"], where + " `ack_within`", r.ack_within);
    if (f.count("secret")) {
      c.Error(f["secret"].Mark(), where + " `secret`: a webhook's signing secret is kept in the store, never in the "
                                          "catalog; remove it and run `optin recipients secret " + id + "`");
    }
    catalog.recipients.push_back(std::move(r));
  }
}

void ParsePurposeRecipients(Checker& c, const YAML::Node& node, const std::string& where, CatalogRules rules,
                            const Catalog& catalog, Purpose& p) {
  if (!c.ExpectSequence(node, where + " `recipients`")) return;
  for (const auto& item : node) {
    const std::string what = where + " recipient";
    if (item.IsScalar()) {
      std::string id;
      if (!c.String(item, what, id)) continue;
      const CatalogRecipient* r = catalog.FindRecipient(id);
      if (!r) {
        std::vector<std::string> known;
        for (const CatalogRecipient& k : catalog.recipients) known.push_back(k.id);
        c.Error(item.Mark(), where + " names recipient `" + id + "`, which is not in `recipients`" +
                                 DidYouMean(id, known));
        continue;
      }
      if (std::any_of(p.recipients.begin(), p.recipients.end(), [&](const Recipient& x) { return x.id == id; })) {
        c.Error(item.Mark(), where + " names recipient `" + id + "` twice");
        continue;
      }
      if (std::find(r->purposes.begin(), r->purposes.end(), p.id) == r->purposes.end()) {
        c.Error(item.Mark(), where + " sends its data to `" + id + "`" +
                                 (r->role == "third_party" ? ", a third party," : "") +
                                 " which is not declared to receive it: add `" + p.id + "` to its `purposes`");
      }
      for (const std::string& category : p.data) {
        const DataCategory* cat = catalog.FindCategory(category);
        const bool declared = r->data.empty() || std::find(r->data.begin(), r->data.end(), category) != r->data.end();
        if (cat && cat->sensitive && !declared) {
          c.Error(item.Mark(), where + " would send the sensitive data category `" + category + "` to `" + id +
                                   "`, which is not declared to receive it: add it to the recipient's `data`, or "
                                   "send this purpose's data elsewhere");
        }
      }
      const std::string& default_locale = catalog.locales.empty() ? std::string() : catalog.locales.front();
      auto name = r->name.find(default_locale);
      p.recipients.push_back({name == r->name.end() ? r->legal_name : name->second, r->role, r->id});
      continue;
    }
    if (!c.ExpectMap(item, what + " (an id of `recipients`, or `{name, role}`)")) continue;
    auto f = c.Fields(item, what, {"name", "role"}, {"name"});
    Recipient r;
    c.Require(f, item, "name", what + " needs a `name`");
    if (f.count("name")) c.String(f["name"], what + " `name`", r.name);
    c.Require(f, item, "role", what + " needs a `role` (such as `processor`, `controller` or `third_party`)");
    if (f.count("role") && c.String(f["role"], what + " `role`", r.role) && !IsValidId(r.role)) {
      c.Error(f["role"].Mark(), what + " `role` `" + r.role + "` must be a word such as `processor` or `third_party`");
    } else if (f.count("role") && rules == CatalogRules::kPublish &&
               std::find(kRecipientRoles.begin(), kRecipientRoles.end(), r.role) == kRecipientRoles.end()) {
      // A processor under another name would slip past the rules about
      // processors.
      c.Error(f["role"].Mark(), what + " `role` must be `processor`, `controller` or `third_party`, not `" + r.role +
                                    "`" + DidYouMean(r.role, kRecipientRoles));
    }
    p.recipients.push_back(std::move(r));
  }
}

void CheckRecipientDeclarations(Checker& c, const YAML::Node& section, const Catalog& catalog) {
  std::vector<std::string> purpose_ids;
  for (const Purpose& p : catalog.purposes) purpose_ids.push_back(p.id);
  for (const CatalogRecipient& r : catalog.recipients) {
    const YAML::Node body = section[r.id];
    const std::string where = "recipient `" + r.id + "`";
    std::set<std::string> used;
    for (size_t i = 0; i < r.purposes.size(); ++i) {
      const YAML::Mark mark = body["purposes"][i].Mark();
      const Purpose* p = catalog.FindPurpose(r.purposes[i]);
      if (!p) {
        c.Error(mark, where + " is declared for purpose `" + r.purposes[i] + "`, which is not in `purposes`" +
                          DidYouMean(r.purposes[i], purpose_ids));
        continue;
      }
      used.insert(p->data.begin(), p->data.end());
      if (std::none_of(p->recipients.begin(), p->recipients.end(), [&](const Recipient& x) { return x.id == r.id; })) {
        c.Error(mark, where + " is declared to receive purpose `" + p->id + "`, whose `recipients` do not name it: "
                          "its customers would not be told; add `" + r.id + "` to them, or remove the purpose here");
      }
    }
    for (size_t i = 0; i < r.data.size(); ++i) {
      if (!used.contains(r.data[i])) {
        c.Error(body["data"][i].Mark(), where + " is declared to receive data category `" + r.data[i] +
                                            "`, which none of its purposes uses");
      }
    }
  }
}

void WriteCanonicalRecipients(JsonWriter& w, const Catalog& catalog, const Purpose& p) {
  w.BeginArray();
  for (const Recipient& x : p.recipients) {
    const CatalogRecipient* r = x.id.empty() ? nullptr : catalog.FindRecipient(x.id);
    if (!r) {
      w.BeginObject().Key("name").String(x.name).Key("role").String(x.role).EndObject();
      continue;
    }
    w.BeginObject().Key("country").String(r->country).Key("data").BeginArray();
    for (const std::string& id : ReceivedData(*r, p)) w.String(id);
    w.EndArray().Key("id").String(r->id).Key("legal_name").String(r->legal_name).Key("name").BeginObject();
    for (const auto& [locale, text] : r->name) w.Key(locale).String(text);
    w.EndObject().Key("role").String(r->role).EndObject();
  }
  w.EndArray();
}

int NoticeFormat(const Purpose& p) {
  return std::any_of(p.recipients.begin(), p.recipients.end(), [](const Recipient& r) { return !r.id.empty(); }) ? 2
                                                                                                                 : 1;
}

}  // namespace internal
}  // namespace optin
