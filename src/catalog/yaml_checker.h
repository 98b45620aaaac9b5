// File: src/catalog/yaml_checker.h
//
// Walking a catalog's YAML tree: typed reads that collect every error with
// its `FILE:LINE:COL` instead of stopping at the first, the bounds on size
// and alias expansion, and the id and locale rules. Used by catalog.cc and
// recipients.cc only.
//
// Thread-safety: a Checker belongs to one parse.
#ifndef OPTIN_CATALOG_YAML_CHECKER_H_
#define OPTIN_CATALOG_YAML_CHECKER_H_

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "optin/catalog.h"
#include "src/common/closest.h"
#include "src/common/time.h"
#include "src/common/utf8.h"

namespace optin::internal {

// A YAML document whose aliases expand past this many nodes is refused.
constexpr size_t kMaxVisitedNodes = 1'000'000;
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxTextBytes = 64 * 1024;

inline bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

inline bool IsValidLocale(std::string_view tag) {
  // A BCP 47 language tag in its common forms: `en`, `ja`, `en-US`, `zh-Hant-TW`.
  if (tag.size() < 2 || tag.size() > 35) return false;
  size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    size_t end = tag.find('-', start);
    if (end == std::string_view::npos) end = tag.size();
    std::string_view part = tag.substr(start, end - start);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alpha && !(c >= '0' && c <= '9' && !first)) return false;
    }
    if (first && (part.size() < 2 || part.size() > 3)) return false;
    first = false;
    start = end + 1;
  }
  return true;
}

// The known keys of a mapping and their values, as Checker::Fields() read
// them.
struct Keys : std::map<std::string, YAML::Node> {
  // Known keys given under a near-miss spelling (`benfit`), already reported:
  // not also missing.
  std::set<std::string> misspelled;
};

// `text` as a YAML double-quoted scalar.
inline std::string DoubleQuoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// Walks the YAML tree, collecting every error with its position.
class Checker {
 public:
  explicit Checker(std::string_view file) : file_(file) {}

  void Error(const YAML::Mark& mark, std::string message) { ErrorAt(mark.line + 1, mark.column + 1, std::move(message)); }
  void ErrorAt(int line, int column, std::string message) {
    errors_.push_back({line, column, errors_.size(), std::move(message)});
  }
  bool HasErrors() const { return !errors_.empty(); }
  // Every error, in file order, one per line.
  std::string Joined() const {
    std::vector<Located> sorted = errors_;
    std::sort(sorted.begin(), sorted.end(), [](const Located& a, const Located& b) {
      return std::tie(a.line, a.column, a.order) < std::tie(b.line, b.column, b.order);
    });
    std::ostringstream out;
    for (const auto& e : sorted) {
      if (&e != &sorted.front()) out << '\n';
      out << file_ << ":" << e.line << ":" << e.column << ": " << e.message;
    }
    return out.str();
  }

  // False (and an error) once the alias-expanded tree is too large.
  bool Visit(const YAML::Node& node) {
    if (++visited_ <= kMaxVisitedNodes) return true;
    if (visited_ == kMaxVisitedNodes + 1) Error(node.Mark(), "the document is too large once its aliases are expanded");
    return false;
  }

  bool ExpectMap(const YAML::Node& node, std::string_view what) {
    if (!Visit(node)) return false;
    if (node.IsMap()) return true;
    Error(node.Mark(), std::string(what) + " must be a mapping");
    return false;
  }

  bool ExpectSequence(const YAML::Node& node, std::string_view what) {
    if (!Visit(node)) return false;
    if (node.IsSequence()) return true;
    Error(node.Mark(), std::string(what) + " must be a list");
    return false;
  }

  bool String(const YAML::Node& node, std::string_view what, std::string& out) {
    if (!Visit(node)) return false;
    if (!node.IsScalar()) {
      Error(node.Mark(), std::string(what) + " must be a string");
      return false;
    }
    out = node.Scalar();
    if (out.empty()) {
      Error(node.Mark(), std::string(what) + " must not be empty");
      return false;
    }
    if (out.size() > kMaxTextBytes) {
      Error(node.Mark(), std::string(what) + " is longer than " + std::to_string(kMaxTextBytes) + " bytes");
      return false;
    }
    return true;
  }

  bool Bool(const YAML::Node& node, std::string_view what, bool& out) {
    if (!Visit(node)) return false;
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
      if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
    }
    Error(node.Mark(), std::string(what) + " must be `true` or `false`");
    return false;
  }

  bool Duration(const YAML::Node& node, std::string_view what, std::string& out) {
    std::string text;
    if (!String(node, what, text)) return false;
    Result<IsoDuration> d = ParseIsoDuration(text);
    if (!d.ok()) {
      Error(node.Mark(), std::string(what) + ": " + d.status().message());
      return false;
    }
    if (d->IsZero()) {
      Error(node.Mark(), std::string(what) + " must be longer than zero");
      return false;
    }
    out = FormatIsoDuration(*d);
    return true;
  }

  // A map of locale -> text with exactly the declared locales. A catalog with
  // a single locale may give plain strings.
  void Text(const YAML::Node& node, std::string_view what, const std::vector<std::string>& locales,
            LocalizedText& out) {
    if (locales.size() == 1 && node.IsScalar()) {
      std::string text;
      if (String(node, what, text)) out[locales.front()] = std::move(text);
      return;
    }
    if (node.IsScalar() && !locales.empty()) {
      Visit(node);
      Error(node.Mark(), std::string(what) + " must give the text per locale, as in `{" + locales.front() +
                             ": ...}`, for each of the " + std::to_string(locales.size()) + " locales");
      return;
    }
    if (!ExpectMap(node, what)) return;
    CommaSplit split(*this, node);
    for (const auto& kv : node) {
      const bool declared = kv.first.IsScalar() &&
                            std::find(locales.begin(), locales.end(), kv.first.Scalar()) != locales.end();
      if (split.IsPiece(kv.first, kv.second, declared)) continue;
      std::string locale;
      if (!String(kv.first, std::string(what) + " locale", locale)) continue;
      if (!declared) {
        Error(kv.first.Mark(), std::string(what) + " has text for `" + locale + "`, which is not in `locales`");
        continue;
      }
      if (out.count(locale)) {
        Error(kv.first.Mark(), std::string(what) + " has locale `" + locale + "` twice");
        continue;
      }
      std::string text;
      const std::string text_what = std::string(what) + " (" + locale + ")";
      if (String(kv.second, text_what, text)) {
        split.Text(text_what, locale, kv.second);
        out[locale] = std::move(text);
      }
    }
    split.Report();
    for (const auto& locale : locales) {
      if (!out.count(locale) && !node[locale]) {
        Error(node.Mark(), std::string(what) + " has no text for locale `" + locale + "`");
      }
    }
  }

  // Checks the keys of a mapping against `allowed`, reports unknown and
  // duplicate keys, and returns the known keys with their values. An unknown
  // key that is a near miss of an allowed one is reported as such, and that
  // key does not count as missing (Require). `texts` names the keys whose
  // values are free text, which an unquoted comma may split (CommaSplit).
  Keys Fields(const YAML::Node& node, std::string_view what, std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> texts = {}) {
    Keys out;
    CommaSplit split(*this, node);
    for (const auto& kv : node) {
      if (!Visit(kv.first)) break;
      const bool known = kv.first.IsScalar() &&
                         std::find(allowed.begin(), allowed.end(), kv.first.Scalar()) != allowed.end();
      if (split.IsPiece(kv.first, kv.second, known)) continue;
      if (!kv.first.IsScalar()) {
        Error(kv.first.Mark(), std::string(what) + " keys must be plain words");
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (!known) {
        const std::vector<std::string> candidates(allowed.begin(), allowed.end());
        const std::string closest = ClosestMatch(key, candidates);
        std::string message = "unknown key `" + key + "` in " + std::string(what);
        if (!closest.empty()) {
          out.misspelled.insert(closest);
          Error(kv.first.Mark(), message + "; did you mean `" + closest + "`?");
          continue;
        }
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Error(kv.first.Mark(), message + " (expected one of: " + list + ")");
        continue;
      }
      if (out.count(key)) {
        Error(kv.first.Mark(), "duplicate key `" + key + "` in " + std::string(what));
        continue;
      }
      out.emplace(key, kv.second);
      if (kv.second.IsScalar() && std::find(texts.begin(), texts.end(), key) != texts.end()) {
        split.Text(std::string(what) + " `" + key + "`", key, kv.second);
      }
    }
    split.Report();
    return out;
  }

  // Reports `message` at `node` when the mapping lacks `key`, unless the key
  // was given misspelled (already reported).
  void Require(const Keys& keys, const YAML::Node& node, std::string_view key, const std::string& message) {
    if (keys.count(std::string(key)) || keys.misspelled.count(std::string(key))) return;
    Error(node.Mark(), message);
  }

 private:
  struct Located {
    int line, column;
    size_t order;
    std::string message;
  };

  // Inside `{...}` YAML ends an unquoted text at a comma and reads what
  // follows as a key without a value: `{en: Ads, chosen for you., ja: 広告}`
  // has the keys `en`, `chosen for you.` and `ja`. CommaSplit notices such
  // keys right after a text and reports the text once, with the quoting that
  // keeps it whole, instead of one error per piece.
  class CommaSplit {
   public:
    CommaSplit(Checker& c, const YAML::Node& mapping)
        : c_(c), flow_(mapping.Style() == YAML::EmitterStyle::Flow) {}

    // True when `key` (with `value`) is a piece of the text before it. `known`
    // says whether the mapping may have `key`: a known key is never a piece.
    bool IsPiece(const YAML::Node& key, const YAML::Node& value, bool known) {
      if (!flow_ || text_.empty() || known || !key.IsScalar() || !value.IsNull()) {
        Report();
        return false;
      }
      pieces_.push_back(key.Scalar());
      return true;
    }

    // `value`, the text of `key`, was read as `what`: pieces may follow.
    void Text(std::string what, std::string key, const YAML::Node& value) {
      Report();
      what_ = std::move(what);
      key_ = std::move(key);
      text_ = value.Scalar();
      mark_ = value.Mark();
    }

    // Reports the text split so far, if any.
    void Report() {
      if (!pieces_.empty()) {
        std::string whole = text_;
        for (const std::string& piece : pieces_) whole += ", " + piece;
        c_.Error(mark_, what_ + " stops at the comma before `" + pieces_.front() +
                            "` (a text with a comma inside `{...}` must be quoted: {" + key_ + ": " +
                            DoubleQuoted(whole) + "})");
      }
      text_.clear();
      pieces_.clear();
    }

   private:
    Checker& c_;
    const bool flow_;
    std::string what_, key_, text_;
    YAML::Mark mark_;
    std::vector<std::string> pieces_;
  };

  std::string file_;
  std::vector<Located> errors_;
  size_t visited_ = 0;
};

}  // namespace optin::internal

#endif  // OPTIN_CATALOG_YAML_CHECKER_H_
