#include "src/cli/output.h"

#include "src/catalog/locale.h"

namespace optin::cli {

void PrintTextChanges(std::ostream& out, const std::vector<TextChange>& texts) {
  if (texts.empty()) return;
  out << "  changed texts ([-removed-] {+added+}):\n";
  for (const TextChange& t : texts) {
    out << "    " << t.purpose << " " << t.field << " [" << t.locale << "]: " << t.diff << "\n";
  }
}


void PrintCatalog(std::ostream& out, const Catalog& catalog, std::string_view locale) {
  out << catalog.organization.name;
  if (!catalog.organization.contact.empty()) out << " <" << catalog.organization.contact << ">";
  out << "\n";
  for (const Purpose& p : catalog.purposes) {
    out << "\n" << p.id << " (" << BasisName(p.basis) << ", notice " << p.notice_version.substr(0, 12) << ")\n";
    out << "  " << TextIn(catalog, p.title, locale) << "\n";
    out << "  " << TextIn(catalog, p.description, locale) << "\n";
    if (!p.benefit.empty()) out << "  benefit: " << TextIn(catalog, p.benefit, locale) << "\n";
    if (!p.data.empty()) {
      out << "  data:";
      for (const auto& id : p.data) {
        const DataCategory* c = catalog.FindCategory(id);
        out << " " << id << (c && c->sensitive ? " (sensitive)" : "");
      }
      out << "\n";
    }
    for (const auto& r : p.recipients) out << "  recipient: " << r.name << " (" << r.role << ")\n";
    if (!p.retention.empty()) out << "  kept for: " << DurationInWords(p.retention, locale) << "\n";
    if (!p.expires.empty()) out << "  consent expires after: " << DurationInWords(p.expires, locale) << "\n";
    if (p.sale_or_share) out << "  sold or shared: yes (a Global Privacy Control opt-out applies)\n";
  }
}

}  // namespace optin::cli
