// File: src/cli/output.h
//
// Human-readable renderings for the CLI (the JSON shapes, shared with the
// API, are in src/engine/wire_json.h and src/catalog/notices_json.h; the
// contract is documented in docs/cli.md).
#ifndef OPTIN_CLI_OUTPUT_H_
#define OPTIN_CLI_OUTPUT_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "optin/catalog.h"
#include "optin/decision.h"
#include "src/catalog/notices_json.h"

namespace optin::cli {

inline std::string CatalogJson(const Catalog& catalog, std::string_view locale) { return NoticesJson(catalog, locale); }
void PrintCatalog(std::ostream& out, const Catalog& catalog, std::string_view locale);
// Each changed text as `  PURPOSE FIELD [LOCALE]: DIFF`, under a heading.
void PrintTextChanges(std::ostream& out, const std::vector<TextChange>& texts);

}  // namespace optin::cli

#endif  // OPTIN_CLI_OUTPUT_H_
