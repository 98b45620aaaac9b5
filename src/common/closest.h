// File: src/common/closest.h
//
// "Did you mean …?": the likely intended word for a typo, by edit distance
// (Levenshtein), for error messages about unknown commands, keys and values.
//
// Thread-safety: pure functions.
#ifndef OPTIN_COMMON_CLOSEST_H_
#define OPTIN_COMMON_CLOSEST_H_

#include <span>
#include <string>
#include <string_view>

namespace optin {

// The number of single-character insertions, deletions and substitutions
// that turn `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a typo of it
// (at most two edits, and fewer than half of `word`'s length); empty
// otherwise.
std::string ClosestMatch(std::string_view word, std::span<const std::string> candidates);

}  // namespace optin

#endif  // OPTIN_COMMON_CLOSEST_H_
