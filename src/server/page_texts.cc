#include "src/server/page_texts.h"

#include <cstdlib>
#include <sstream>

#include "src/common/json_reader.h"
#include "src/common/time.h"
#include "src/server/web_assets.h"

namespace optin::server {
namespace {

// Each string of a texts file under its dotted path (`export.title`).
void Flatten(const json::Value& v, std::map<std::string, std::string>& strings) {
  if (Result<std::string_view> text = v.Text(); text.ok()) {
    strings[v.path()] = std::string(*text);
    return;
  }
  if (!v.IsObject()) return;
  Status walked = v.ForEachMember([&strings](std::string_view, const json::Value& member) {
    Flatten(member, strings);
    return OkStatus();
  });
  (void)walked;  // a walk that only collects cannot fail
}

}  // namespace

std::string Escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Texts::Texts(std::string_view locale) {
  Load("en");
  if (locale != "en") Load(locale);
  lang_ = locale;
}

std::string Texts::Plain(std::string_view key, const std::map<std::string, std::string>& values) const {
  auto it = strings_.find(std::string(key));
  const std::string text = it == strings_.end() ? std::string(key) : it->second;
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (close != std::string::npos) {
      if (auto v = values.find(text.substr(i + 1, close - i - 1)); v != values.end()) {
        out += v->second;
        i = close + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

void Texts::Load(std::string_view locale) {
  const WebAsset* asset = FindWebAsset("i18n/" + std::string(locale) + ".json");
  if (!asset) return;
  Result<json::Document> doc = json::Document::Parse(asset->body);
  if (doc.ok()) Flatten(doc->root(), strings_);
}

std::string Texts::Plural(std::string_view key, uint64_t n, std::map<std::string, std::string> values) const {
  values["n"] = std::to_string(n);
  const std::string one = std::string(key) + ".one";
  // Japanese has one form; English "one" for 1 (as Intl.PluralRules says).
  if (n == 1 && strings_.count(one)) return Plain(one, values);
  return Plain(std::string(key) + ".other", values);
}

std::string MonthInWords(const Texts& t, std::string_view month) {
  if (month.size() != 7) return std::string(month);
  const std::string year(month.substr(0, 4));
  const int number = std::atoi(std::string(month.substr(5, 2)).c_str());
  std::string name;
  std::istringstream names(t.Plain("export.month_names"));
  for (int i = 1; i <= number && names >> name; ++i) {
  }
  return t.Plain("export.month", {{"name", name}, {"year", year}, {"month", std::to_string(number)}});
}

std::string DateInWords(const Texts& t, int64_t micros) {
  const std::string rfc = FormatRfc3339(micros);  // YYYY-MM-DDTHH:MM:SS...
  auto number = [&](size_t at, size_t n) {
    std::string v = rfc.substr(at, n);
    if (t.ja()) v.erase(0, std::min(v.find_first_not_of('0'), v.size() - 1));
    return v;
  };
  return t.Plain("export.date",
                 {{"year", rfc.substr(0, 4)}, {"month", number(5, 2)}, {"day", number(8, 2)}, {"time", rfc.substr(11, 5)}});
}

}  // namespace optin::server
