// A property's config, as the loader fetches it (docs/embed.md, "Config").
#include <algorithm>

#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/embed/embed.h"
#include "src/embed/texts.h"

namespace optin::embed {

bool IsAllowedOrigin(const Property& property, std::string_view origin) {
  return std::find(property.origins.begin(), property.origins.end(), origin) != property.origins.end();
}

std::string NoticesTag(const Catalog& catalog, const Property& property) {
  std::string versions;
  for (const std::string& id : property.purposes) {
    const Purpose* p = catalog.FindPurpose(id);
    versions += (p ? p->notice_version : std::string()) + "\n";
  }
  return ToHex(Sha256(versions)).substr(0, 8);
}

void KeepPropertySignals(SubjectSignals& signals, const Property& property) {
  auto shown = [&](std::string_view section) {
    return std::find(property.gpp_sections.begin(), property.gpp_sections.end(), section) !=
           property.gpp_sections.end();
  };
  if (!property.tcf) signals.tc.reset();
  GppString& gpp = signals.gpp;
  if (!shown("tcfeuv2")) gpp.tcfeuv2.reset();
  if (!shown("uspv1")) gpp.uspv1.reset();
  if (!shown("usnat")) gpp.usnat.reset();
  if (!shown("usca")) gpp.usca.reset();
  gpp.other_sections.clear();
}

namespace {

void WritePurpose(JsonWriter& w, const Catalog& catalog, const Property& property, const Purpose& p,
                  std::string_view locale) {
  w.BeginObject().Key("id").String(p.id).Key("basis").String(BasisName(p.basis));
  w.Key("notice").String(p.notice_version);
  w.Key("title").String(TextIn(catalog, p.title, locale));
  w.Key("description").String(TextIn(catalog, p.description, locale));
  w.Key("benefit").StringOrNull(p.benefit.empty() ? "" : TextIn(catalog, p.benefit, locale));
  w.Key("data").BeginArray();
  for (const std::string& id : p.data) {
    if (const DataCategory* c = catalog.FindCategory(id)) w.String(TextIn(catalog, c->title, locale));
  }
  w.EndArray().Key("recipients");
  WriteRecipients(w, catalog, p, locale);
  w.Key("retention").StringOrNull(p.retention.empty() ? "" : DurationInWords(p.retention, locale));
  w.Key("sale_or_share").Bool(p.sale_or_share);
  w.Key("consent_mode").Strings(p.signals.consent_mode);
  const PropertyTags* tags = property.TagsOf(p.id);
  static const std::vector<std::string> kNone;
  w.Key("hosts").Strings(tags ? tags->hosts : kNone);
  w.Key("cookies").Strings(tags ? tags->cookies : kNone);
  w.Key("storage").Strings(tags ? tags->storage : kNone);
  w.EndObject();
}

}  // namespace

std::string ConfigJson(const Catalog& catalog, const Property& property, std::string_view locale,
                       std::string_view ui_script, std::string_view ui_style) {
  JsonWriter w;
  w.BeginObject().Key("property").String(property.id);
  w.Key("organization").String(catalog.organization.name);
  w.Key("locale").String(locale).Key("locales").Strings(catalog.locales);
  w.Key("notices").String(NoticesTag(catalog, property));
  w.Key("purposes").BeginArray();
  for (const std::string& id : property.purposes) {
    if (const Purpose* p = catalog.FindPurpose(id)) WritePurpose(w, catalog, property, *p, locale);
  }
  w.EndArray();
  w.Key("tcf");
  if (property.tcf) {
    w.BeginObject().Key("cmp_id").Int(catalog.signals.cmp_id).Key("cmp_version").Int(catalog.signals.cmp_version);
    w.Key("vendor_list_version").Int(catalog.signals.vendor_list_version).EndObject();
  } else {
    w.Null();
  }
  w.Key("gpp_sections").Strings(property.gpp_sections);
  w.Key("visitor_retention").String(property.visitor_retention);
  w.Key("ui").BeginObject().Key("script").String(ui_script).Key("style").String(ui_style).EndObject();
  w.Key("texts");
  WriteTexts(w, locale);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace optin::embed
