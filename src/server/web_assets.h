// File: src/server/web_assets.h
//
// The preference center's files (web/), compiled into the binary so that
// optin serves them with no files beside it.
#ifndef OPTIN_SERVER_WEB_ASSETS_H_
#define OPTIN_SERVER_WEB_ASSETS_H_

#include <string_view>

namespace optin::server {

struct WebAsset {
  std::string_view path;  // relative to web/, e.g. `i18n/ja.json`
  std::string_view content_type;
  std::string_view body;
};

// nullptr when there is no such file.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace optin::server

#endif  // OPTIN_SERVER_WEB_ASSETS_H_
