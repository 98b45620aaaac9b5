// File: src/catalog/notice_diff.h
//
// What changed between two versions of a purpose's notice, for `catalog
// publish` (docs/notice_version.md, "Material changes"): the changes that are
// material whatever the publisher says (what is collected, who receives it,
// how long it is kept, whether it is sold or shared, the legal basis, how
// long a "yes" lasts, signal mappings that grant more), other structured
// changes, and a word diff of every changed text per locale.
//
// Thread-safety: pure functions.
//
// Example:
//   NoticeChanges c = CompareNotices(old_catalog, *old_purpose, new_catalog, *new_purpose);
//   if (!c.material.empty()) { /* --editorial is refused: c.material names why */ }
#ifndef OPTIN_SRC_CATALOG_NOTICE_DIFF_H_
#define OPTIN_SRC_CATALOG_NOTICE_DIFF_H_

#include <string>
#include <string_view>
#include <vector>

#include "optin/catalog.h"

namespace optin {

struct NoticeChanges {
  // Each names a field and what happened to it, e.g.
  // "`data` adds `precise_location` (sensitive)". Never carried over as
  // editorial.
  std::vector<std::string> material;
  // Structured changes that are not material (a recipient removed, a data
  // category no longer sensitive, the order of recipients).
  std::vector<std::string> other;
  // The signal mappings grant more (part of `material` too): refused even
  // when the notice text is unchanged, since the text must say it.
  bool signals_grant_more = false;
  std::vector<TextChange> texts;  // optin/catalog.h
};

NoticeChanges CompareNotices(const Catalog& before, const Purpose& old_purpose, const Catalog& after,
                             const Purpose& new_purpose);

// A word diff of `before` → `after` in the style of `git diff --word-diff`:
// unchanged words as they are, removed ones as `[-…-]`, added ones as
// `{+…+}`. Words are runs of letters and digits; every other character
// (spaces, punctuation, and each character of a script written without
// spaces, such as Japanese) is a word of its own.
std::string WordDiff(std::string_view before, std::string_view after);

}  // namespace optin

#endif  // OPTIN_SRC_CATALOG_NOTICE_DIFF_H_
