#include "src/catalog/notice_diff.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace optin {
namespace {

// Largest table the word diff fills (tokens before × tokens after, once the
// common head and tail are set aside); beyond it the middle is shown as
// removed and added whole.
constexpr size_t kMaxDiffCells = size_t{4} << 20;
// Kept text of at most this many characters between two changes is shown
// as part of both.
constexpr size_t kMaxJoinedChars = 2;

// The code point at `i` (advancing `i`); U+FFFD for a byte that does not
// start a sequence (catalog texts are valid UTF-8, this only bounds work).
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 1;
  if (i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  i += len;
  return len == 1 && b >= 0x80 ? 0xfffd : cp;
}

// Letters and digits of scripts written with spaces between words join into
// one word; everything else (spaces, punctuation, CJK) stands alone.
bool JoinsWord(uint32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp >= 0x2000 && cp <= 0x206f) return false;  // general punctuation
  return cp < 0x2e80;                               // before the CJK blocks
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    const bool word = JoinsWord(NextCodePoint(s, i));
    if (word) {
      while (i < s.size()) {
        size_t next = i;
        if (!JoinsWord(NextCodePoint(s, next))) break;
        i = next;
      }
    }
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& words, size_t from, size_t to) {
  std::string out;
  for (size_t k = from; k < to; ++k) out += words[k];
  return out;
}

const std::string& Text(const LocalizedText& t, const std::string& locale) {
  static const std::string kEmpty;
  auto it = t.find(locale);
  return it == t.end() ? kEmpty : it->second;
}

template <typename T>
std::string Quoted(const std::vector<T>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    if constexpr (std::is_same_v<T, std::string>) {
      out += "`" + item + "`";
    } else {
      out += std::to_string(item);
    }
  }
  return out;
}

template <typename T>
std::vector<T> Added(const std::vector<T>& before, const std::vector<T>& after) {
  std::vector<T> out;
  for (const T& x : after) {
    if (std::find(before.begin(), before.end(), x) == before.end()) out.push_back(x);
  }
  return out;
}

std::string OrNone(const std::string& s) { return s.empty() ? "none" : s; }

void CompareData(const Catalog& before, const Purpose& old_p, const Catalog& after, const Purpose& new_p,
                 NoticeChanges& out) {
  for (const std::string& id : Added(old_p.data, new_p.data)) {
    const DataCategory* c = after.FindCategory(id);
    out.material.push_back("`data` adds `" + id + "`" + (c && c->sensitive ? " (sensitive)" : ""));
  }
  for (const std::string& id : Added(new_p.data, old_p.data)) out.material.push_back("`data` removes `" + id + "`");
  for (const std::string& id : new_p.data) {
    const DataCategory* was = before.FindCategory(id);
    const DataCategory* now = after.FindCategory(id);
    if (!was || !now || std::find(old_p.data.begin(), old_p.data.end(), id) == old_p.data.end()) continue;
    if (!was->sensitive && now->sensitive) out.material.push_back("`data` category `" + id + "` is now sensitive");
    if (was->sensitive && !now->sensitive) out.other.push_back("data category `" + id + "` is no longer sensitive");
  }
}

// A recipient is the same one by its id in the `recipients` section, else
// by its name.
void CompareRecipients(const Catalog& before, const Purpose& old_p, const Catalog& after, const Purpose& new_p,
                       NoticeChanges& out) {
  auto key = [](const Recipient& r) { return r.id.empty() ? r.name : "#" + r.id; };
  auto find = [&](const Purpose& p, const std::string& k) -> const Recipient* {
    for (const Recipient& r : p.recipients) {
      if (key(r) == k) return &r;
    }
    return nullptr;
  };
  for (const Recipient& r : new_p.recipients) {
    const Recipient* was = find(old_p, key(r));
    if (!was) {
      out.material.push_back("`recipients` adds `" + r.name + "` (" + r.role + ")");
      continue;
    }
    if (was->role != r.role) {
      out.material.push_back("`recipients`: `" + r.name + "` changes role from " + was->role + " to " + r.role);
    }
    const CatalogRecipient* then = r.id.empty() ? nullptr : before.FindRecipient(r.id);
    const CatalogRecipient* now = r.id.empty() ? nullptr : after.FindRecipient(r.id);
    if (!then || !now) continue;
    if (then->legal_name != now->legal_name) {
      out.material.push_back("`recipients`: `" + r.id + "` is now `" + now->legal_name + "`, was `" + then->legal_name +
                             "`");
    }
    if (then->country != now->country) {
      out.material.push_back("`recipients`: `" + r.id + "` moves the data from " + then->country + " to " +
                             now->country);
    }
    for (const std::string& id : Added(ReceivedData(*then, old_p), ReceivedData(*now, new_p))) {
      out.material.push_back("`recipients`: `" + r.id + "` now receives `" + id + "`");
    }
  }
  for (const Recipient& r : old_p.recipients) {
    if (!find(new_p, key(r))) out.other.push_back("recipient `" + r.name + "` removed");
  }
  // The same recipients in another order: the notice changes, nothing else.
  std::vector<std::string> kept_old, kept_new;
  for (const Recipient& r : old_p.recipients) {
    if (find(new_p, key(r))) kept_old.push_back(key(r));
  }
  for (const Recipient& r : new_p.recipients) {
    if (find(old_p, key(r))) kept_new.push_back(key(r));
  }
  if (kept_old != kept_new) out.other.push_back("recipients reordered");
}

void CompareSignals(const PurposeSignals& was, const PurposeSignals& now, NoticeChanges& out) {
  const size_t before = out.material.size();
  if (auto v = Added(was.tcf_purposes, now.tcf_purposes); !v.empty()) {
    out.material.push_back("`signals.tcf_purposes` adds " + Quoted(v));
  }
  if (auto v = Added(was.tcf_special_features, now.tcf_special_features); !v.empty()) {
    out.material.push_back("`signals.tcf_special_features` adds " + Quoted(v));
  }
  if (auto v = Added(was.tcf_vendors, now.tcf_vendors); !v.empty()) {
    out.material.push_back("`signals.tcf_vendors` adds " + Quoted(v));
  }
  if (auto v = Added(was.us, now.us); !v.empty()) out.material.push_back("`signals.us` adds " + Quoted(v));
  if (auto v = Added(was.consent_mode, now.consent_mode); !v.empty()) {
    out.material.push_back("`signals.consent_mode` adds " + Quoted(v));
  }
  out.signals_grant_more = out.material.size() > before;
}

void CompareText(const std::string& purpose, const std::string& field, const LocalizedText& was,
                 const LocalizedText& now, const std::vector<std::string>& locales, NoticeChanges& out) {
  for (const std::string& locale : locales) {
    const std::string& a = Text(was, locale);
    const std::string& b = Text(now, locale);
    if (a != b) out.texts.push_back({purpose, field, locale, WordDiff(a, b)});
  }
}

}  // namespace

std::string WordDiff(std::string_view before, std::string_view after) {
  const std::vector<std::string_view> a = Words(before), b = Words(after);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const size_t n = a.size() - head - tail, m = b.size() - head - tail;

  // ops: for the middle, in order, 0 = keep, 1 = remove (from a), 2 = add
  // (from b), 3 = kept but shown as removed and added.
  std::vector<uint8_t> ops;
  if (n > 0 && m > 0 && n * m <= kMaxDiffCells) {
    // lcs[i][j]: the longest common subsequence of a[head+i..] and b[head+j..].
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        ops.push_back(0), ++i, ++j;
      } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        ops.push_back(1), ++i;
      } else {
        ops.push_back(2), ++j;
      }
    }
  } else {
    ops.insert(ops.end(), n, 1);
    ops.insert(ops.end(), m, 2);
  }

  std::string out = Join(a, 0, head);
  std::string removed, added;
  auto flush = [&] {
    if (!removed.empty()) out += "[-" + removed + "-]";
    if (!added.empty()) out += "{+" + added + "+}";
    removed.clear();
    added.clear();
  };
  // A short run of kept words between two changes joins them, so that
  // `[-based on-]{+chosen from+}` and `[-合った-]{+ぴったりの+}` read whole.
  auto chars = [](std::string_view w) {
    return static_cast<size_t>(std::count_if(w.begin(), w.end(), [](char c) { return (c & 0xc0) != 0x80; }));
  };
  for (size_t k = 0, ai = head; k < ops.size();) {
    if (ops[k] != 0) {
      ai += ops[k] == 1;
      ++k;
      continue;
    }
    size_t end = k, length = 0;
    for (size_t x = ai; end < ops.size() && ops[end] == 0; ++end, ++x) length += chars(a[x]);
    const bool between = k > 0 && end < ops.size();
    if (between && length <= kMaxJoinedChars) std::fill(ops.begin() + k, ops.begin() + end, uint8_t{3});
    ai += end - k;
    k = end;
  }
  size_t i = head, j = head;
  for (uint8_t op : ops) {
    if (op == 3) {
      removed += a[i++];
      added += b[j++];
    } else if (op == 0) {
      flush();
      out += a[i++];
      ++j;
    } else if (op == 1) {
      removed += a[i++];
    } else {
      added += b[j++];
    }
  }
  flush();
  out += Join(a, a.size() - tail, a.size());
  return out;
}

NoticeChanges CompareNotices(const Catalog& before, const Purpose& old_p, const Catalog& after, const Purpose& new_p) {
  NoticeChanges out;
  if (old_p.basis != new_p.basis) {
    out.material.push_back("`basis` changes from " + std::string(BasisName(old_p.basis)) + " to " +
                           std::string(BasisName(new_p.basis)));
  }
  CompareData(before, old_p, after, new_p, out);
  CompareRecipients(before, old_p, after, new_p, out);
  if (old_p.sale_or_share != new_p.sale_or_share) {
    out.material.push_back(std::string("`sale_or_share` changes from ") + (old_p.sale_or_share ? "true" : "false") +
                           " to " + (new_p.sale_or_share ? "true" : "false"));
  }
  if (old_p.retention != new_p.retention) {
    out.material.push_back("`retention` changes from " + OrNone(old_p.retention) + " to " + OrNone(new_p.retention));
  }
  if (old_p.expires != new_p.expires) {
    out.material.push_back("`expires` changes from " + OrNone(old_p.expires) + " to " + OrNone(new_p.expires));
  }
  CompareSignals(old_p.signals, new_p.signals, out);

  // Texts in every locale either catalog has, in the new catalog's order.
  std::vector<std::string> locales = after.locales;
  for (const std::string& l : before.locales) {
    if (std::find(locales.begin(), locales.end(), l) == locales.end()) locales.push_back(l);
  }
  const std::string& id = new_p.id;
  CompareText(id, "title", old_p.title, new_p.title, locales, out);
  CompareText(id, "description", old_p.description, new_p.description, locales, out);
  CompareText(id, "benefit", old_p.benefit, new_p.benefit, locales, out);
  for (const std::string& cat : new_p.data) {
    if (std::find(old_p.data.begin(), old_p.data.end(), cat) == old_p.data.end()) continue;
    const DataCategory* was = before.FindCategory(cat);
    const DataCategory* now = after.FindCategory(cat);
    if (!was || !now) continue;
    CompareText(id, "data." + cat + ".title", was->title, now->title, locales, out);
    CompareText(id, "data." + cat + ".description", was->description, now->description, locales, out);
  }
  return out;
}

}  // namespace optin
