#include "src/server/request.h"

#include <charconv>

namespace optin::server {
namespace {

// Calls `f(name, value)` for each `name=value` pair of the query, as sent,
// until it returns true.
template <typename F>
void ForEachPair(std::string_view query, F f) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (f(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1))) return;
    start = end + 1;
  }
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

size_t QueryCount(std::string_view query, std::string_view name) {
  size_t n = 0;
  ForEachPair(query, [&](std::string_view key, std::string_view) {
    n += key == name;
    return false;
  });
  return n;
}

std::string QueryParam(std::string_view query, std::string_view name) {
  std::string out;
  ForEachPair(query, [&](std::string_view key, std::string_view value) {
    if (key != name) return false;
    out = PercentDecode(value).value_or("");
    return true;
  });
  return out;
}

Result<uint64_t> QueryNumber(std::string_view query, std::string_view name, bool required) {
  const size_t given = QueryCount(query, name);
  if (given == 0 && !required) return uint64_t{0};
  if (given > 1) return InvalidArgumentError("the query gives `" + std::string(name) + "` more than once");
  const std::string text = QueryParam(query, name);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0) {
    return InvalidArgumentError("the query needs `" + std::string(name) + "`, a whole number from 1");
  }
  return v;
}

}  // namespace optin::server
