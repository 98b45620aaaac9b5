// File: src/catalog/recipients.h
//
// Who receives a purpose's data: the catalog's `recipients` section (legal
// and display names, role, country, the purposes and data it is declared
// for, how it is told of changes), a purpose's `recipients` (named in place,
// or ids of the section), the rules that hold the two together, and their
// place in the canonical notice (docs/catalog.md, docs/notice_version.md).
// Used by catalog.cc.
//
// Thread-safety: functions of one parse.
#ifndef OPTIN_SRC_CATALOG_RECIPIENTS_H_
#define OPTIN_SRC_CATALOG_RECIPIENTS_H_

#include <string>

#include "optin/catalog.h"
#include "src/catalog/yaml_checker.h"
#include "src/common/json_writer.h"

namespace optin::internal {

// The `recipients` section, before the purposes: ids, names, role, country,
// data (which must be declared), delivery. Its `purposes` are read here and
// checked by CheckRecipientDeclarations once the purposes are known.
void ParseRecipientSection(Checker& c, const YAML::Node& node, Catalog& catalog);

// A purpose's `recipients`: `{name, role}` in place, or ids of the section,
// each of which must be declared for the purpose and for every sensitive
// data category of it. `p.data` is read already.
void ParsePurposeRecipients(Checker& c, const YAML::Node& node, const std::string& where, CatalogRules rules,
                            const Catalog& catalog, Purpose& p);

// After the purposes: every purpose a recipient is declared for exists and
// names it (else its customers would not be told), and every data category
// it is declared for is used by one of those purposes.
void CheckRecipientDeclarations(Checker& c, const YAML::Node& section, const Catalog& catalog);

// The recipients of `p` as its canonical notice holds them: `{"name",
// "role"}` for one named in place (notice format 1); for one of the section
// `{"country","data","id","legal_name","name","role"}`, with `data` the
// categories of `p` it receives, sorted, and `name` a localized text
// (notice format 2).
void WriteCanonicalRecipients(JsonWriter& w, const Catalog& catalog, const Purpose& p);

// The notice format of `p`: 2 when it names a recipient of the section, else 1.
int NoticeFormat(const Purpose& p);

}  // namespace optin::internal

#endif  // OPTIN_SRC_CATALOG_RECIPIENTS_H_
