// File: src/catalog/notices_json.h
//
// The notices in force as JSON, in one locale: the body of
// `GET /v1/purposes` and of `optin catalog show --json` (docs/catalog.md).
#ifndef OPTIN_CATALOG_NOTICES_JSON_H_
#define OPTIN_CATALOG_NOTICES_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "optin/catalog.h"
#include "src/common/json_writer.h"

namespace optin {

// `locale` must be one of catalog.locales.
std::string NoticesJson(const Catalog& catalog, std::string_view locale);
// `p`'s recipients in `locale`: `[{"name","role"}]`, and for one of the
// catalog's `recipients` section also `"id","legal_name","country","data"`
// (the categories of `p` it receives).
void WriteRecipients(JsonWriter& w, const Catalog& catalog, const Purpose& p, std::string_view locale);
// The text in `locale`, else in the catalog's default locale.
const std::string& TextIn(const Catalog& catalog, const LocalizedText& text, std::string_view locale);

}  // namespace optin

#endif  // OPTIN_CATALOG_NOTICES_JSON_H_
