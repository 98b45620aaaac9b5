#include "src/catalog/notices_json.h"

#include "src/common/json_writer.h"

namespace optin {

const std::string& TextIn(const Catalog& catalog, const LocalizedText& text, std::string_view locale) {
  static const std::string kEmpty;
  if (auto it = text.find(std::string(locale)); it != text.end()) return it->second;
  if (auto it = text.find(catalog.locales.front()); it != text.end()) return it->second;
  return kEmpty;
}

void WriteRecipients(JsonWriter& w, const Catalog& catalog, const Purpose& p, std::string_view locale) {
  w.BeginArray();
  for (const Recipient& x : p.recipients) {
    const CatalogRecipient* r = x.id.empty() ? nullptr : catalog.FindRecipient(x.id);
    w.BeginObject().Key("name").String(r ? TextIn(catalog, r->name, locale) : x.name).Key("role").String(x.role);
    if (r) {
      w.Key("id").String(r->id).Key("legal_name").String(r->legal_name).Key("country").String(r->country);
      w.Key("data").Strings(ReceivedData(*r, p));
    }
    w.EndObject();
  }
  w.EndArray();
}

std::string NoticesJson(const Catalog& catalog, std::string_view locale) {
  JsonWriter w;
  w.BeginObject();
  w.Key("organization").BeginObject();
  w.Key("name").String(catalog.organization.name);
  w.Key("contact").String(catalog.organization.contact);
  w.EndObject();
  w.Key("locale").String(locale);
  w.Key("locales").BeginArray();
  for (const auto& l : catalog.locales) w.String(l);
  w.EndArray();
  w.Key("purposes").BeginArray();
  for (const Purpose& p : catalog.purposes) {
    w.BeginObject();
    w.Key("id").String(p.id);
    w.Key("basis").String(BasisName(p.basis));
    w.Key("notice").String(p.notice_version);
    w.Key("title").String(TextIn(catalog, p.title, locale));
    w.Key("description").String(TextIn(catalog, p.description, locale));
    w.Key("benefit");
    if (p.benefit.empty()) w.Null();
    else w.String(TextIn(catalog, p.benefit, locale));
    w.Key("data").BeginArray();
    for (const auto& id : p.data) {
      const DataCategory* c = catalog.FindCategory(id);
      if (!c) continue;
      w.BeginObject();
      w.Key("id").String(c->id);
      w.Key("title").String(TextIn(catalog, c->title, locale));
      w.Key("description").String(TextIn(catalog, c->description, locale));
      w.Key("sensitive").Bool(c->sensitive);
      w.EndObject();
    }
    w.EndArray();
    w.Key("recipients");
    WriteRecipients(w, catalog, p, locale);
    w.Key("retention").StringOrNull(p.retention);
    w.Key("expires").StringOrNull(p.expires);
    w.Key("sale_or_share").Bool(p.sale_or_share);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace optin
