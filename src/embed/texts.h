// File: src/embed/texts.h
//
// The words of the embed's banner and dialog, in English and Japanese
// (the catalog's notices say what each purpose is; these say how to
// choose). Sent in the property's config, so the scripts hold no text.
//
// Thread-safety: immutable data.
#ifndef OPTIN_SRC_EMBED_TEXTS_H_
#define OPTIN_SRC_EMBED_TEXTS_H_

#include <string_view>

#include "src/common/json_writer.h"

namespace optin::embed {

// `{"banner_title": …, "accept_all": …, …}` in `locale` (English for any
// locale without its own texts).
void WriteTexts(JsonWriter& w, std::string_view locale);

}  // namespace optin::embed

#endif  // OPTIN_SRC_EMBED_TEXTS_H_
