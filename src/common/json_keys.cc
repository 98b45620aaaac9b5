#include "src/common/json_keys.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace optin {

std::optional<std::string> RepeatedKey(const simdjson::dom::element& e) {
  simdjson::dom::object o;
  simdjson::dom::array a;
  if (!e.get(o)) {
    // Records have a few keys per object: a linear scan beats any set.
    // Most keys differ in length or first byte: a 64-bit filter of those
    // spares comparing a new key with every earlier one. The arrays stay
    // uninitialised (only the first n entries are read).
    constexpr size_t kInline = 32;
    const char* seen_data[kInline];
    uint64_t seen_head[kInline];  // length << 8 | first byte
    uint64_t filter = 0;
    size_t n = 0;
    std::vector<std::string_view> more;
    for (auto [key, value] : o) {
      const uint64_t head = uint64_t{key.size()} << 8 | (key.empty() ? 0u : static_cast<unsigned char>(key[0]));
      const uint64_t bit = uint64_t{1} << ((head ^ (head >> 8) * 7) & 63);
      if (filter & bit) {
        for (size_t i = 0; i < n; ++i) {
          if (seen_head[i] == head && std::memcmp(seen_data[i], key.data(), key.size()) == 0) return std::string(key);
        }
      }
      filter |= bit;
      if (n < kInline) {
        seen_data[n] = key.data();
        seen_head[n++] = head;
      } else {
        more.push_back(key);
      }
      if (value.is_object() || value.is_array()) {
        if (auto inner = RepeatedKey(value)) return inner;
      }
    }
    if (!more.empty()) {
      for (size_t i = 0; i < kInline; ++i) more.emplace_back(seen_data[i], seen_head[i] >> 8);
      std::sort(more.begin(), more.end());
      if (auto d = std::adjacent_find(more.begin(), more.end()); d != more.end()) return std::string(*d);
    }
  } else if (!e.get(a)) {
    for (simdjson::dom::element item : a) {
      if (item.is_object() || item.is_array()) {
        if (auto inner = RepeatedKey(item)) return inner;
      }
    }
  }
  return std::nullopt;
}

Status CheckNoRepeatedKey(const simdjson::dom::element& e) {
  if (auto repeated = RepeatedKey(e)) {
    return Status(StatusCode::kInvalidArgument, "the key `" + *repeated + "` repeats", "duplicate_key");
  }
  return OkStatus();
}

}  // namespace optin
