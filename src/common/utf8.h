// File: src/common/utf8.h
//
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF).
#ifndef OPTIN_COMMON_UTF8_H_
#define OPTIN_COMMON_UTF8_H_

#include <cstddef>
#include <string_view>

namespace optin {

// The byte offset of the first invalid sequence, or npos if `s` is valid.
size_t FindInvalidUtf8(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

}  // namespace optin

#endif  // OPTIN_COMMON_UTF8_H_
