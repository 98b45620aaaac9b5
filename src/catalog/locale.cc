#include "src/catalog/locale.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace optin {
namespace {

std::string Exact(const Catalog& catalog, std::string_view tag) {
  for (const auto& c : catalog.locales) {
    if (c.size() == tag.size() && std::equal(c.begin(), c.end(), tag.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return c;
    }
  }
  return "";
}

}  // namespace

std::string MatchLocale(const Catalog& catalog, std::string_view tag) {
  std::string match = Exact(catalog, tag);
  if (size_t dash = tag.find('-'); match.empty() && dash != std::string_view::npos) match = Exact(catalog, tag.substr(0, dash));
  return match;
}

std::string PickLocale(const Catalog& catalog, std::string_view requested, std::string_view accept) {
  if (!requested.empty()) {
    if (std::string m = MatchLocale(catalog, requested); !m.empty()) return m;
  }
  std::string best;
  double best_q = 0;
  size_t start = 0;
  while (start < accept.size()) {
    size_t end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view item = accept.substr(start, end - start);
    start = end + 1;
    double q = 1;
    if (size_t semi = item.find(';'); semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      item = item.substr(0, semi);
      if (size_t qpos = params.find("q="); qpos != std::string_view::npos) q = std::atof(std::string(params.substr(qpos + 2)).c_str());
    }
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    std::string match = MatchLocale(catalog, item);
    if (!match.empty() && q > best_q) {
      best = match;
      best_q = q;
    }
  }
  return best.empty() ? catalog.locales.front() : best;
}

std::string DurationInWords(std::string_view iso, std::string_view locale) {
  struct Unit {
    char designator;
    bool time;  // after `T`
    std::string_view one, other, ja;
  };
  static constexpr Unit kUnits[] = {
      {'Y', false, "year", "years", "年"},     {'M', false, "month", "months", "か月"}, {'W', false, "week", "weeks", "週間"},
      {'D', false, "day", "days", "日"},       {'H', true, "hour", "hours", "時間"},    {'M', true, "minute", "minutes", "分"},
      {'S', true, "second", "seconds", "秒"},
  };
  const bool ja = locale == "ja" || locale.starts_with("ja-");
  if (iso.size() < 2 || iso[0] != 'P') return std::string(iso);
  std::string out;
  bool time = false;
  size_t i = 1;
  while (i < iso.size()) {
    if (iso[i] == 'T') {
      time = true;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < iso.size() && iso[j] >= '0' && iso[j] <= '9') ++j;
    if (j == i || j == iso.size()) return std::string(iso);
    const std::string_view number = iso.substr(i, j - i);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.designator == iso[j] && u.time == time) unit = &u;
    }
    if (!unit) return std::string(iso);
    if (ja) {
      out += std::string(number) + std::string(unit->ja);
    } else {
      if (!out.empty()) out += ' ';
      out += std::string(number) + " " + std::string(number == "1" ? unit->one : unit->other);
    }
    i = j + 1;
  }
  return out.empty() ? std::string(iso) : out;
}

}  // namespace optin
