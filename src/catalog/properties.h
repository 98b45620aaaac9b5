// File: src/catalog/properties.h
//
// The catalog's `properties` section: the websites that show its notices
// through the embed, each with the origins allowed to load it, the domain
// of its cookies, the purposes it shows and the tags (hosts, cookies,
// storage keys) of each (docs/catalog.md, "Properties"). Read after the
// purposes and the signal settings, which it refers to. Used by catalog.cc.
//
// Thread-safety: functions of one parse.
#ifndef OPTIN_SRC_CATALOG_PROPERTIES_H_
#define OPTIN_SRC_CATALOG_PROPERTIES_H_

#include "optin/catalog.h"
#include "src/catalog/yaml_checker.h"

namespace optin::internal {

void ParsePropertySection(Checker& c, const YAML::Node& node, Catalog& catalog);

}  // namespace optin::internal

#endif  // OPTIN_SRC_CATALOG_PROPERTIES_H_
