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
// `[{"name","role"}]`, as notices, canonical notices and receipts write them.
void WriteRecipients(JsonWriter& w, const std::vector<Recipient>& recipients);
// The text in `locale`, else in the catalog's default locale.
const std::string& TextIn(const Catalog& catalog, const LocalizedText& text, std::string_view locale);

}  // namespace optin

#endif  // OPTIN_CATALOG_NOTICES_JSON_H_
