#include "src/index/index.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

namespace optin::internal {
namespace {

// Debian's Abseil has its own string_view; its maps look up by that one.
absl::string_view Key(std::string_view s) { return {s.data(), s.size()}; }


}  // namespace

Index::Index() : shards_(new Shard[kShards]) {
  tables_.push_back(std::make_unique<PurposeTable>());
  table_.store(tables_.back().get(), std::memory_order_release);
}

// Arena blocks for subject ids; an id never straddles two blocks.
constexpr size_t kArenaBlock = 64 * 1024;

Index::Record::Record(Record&& other) noexcept : mask(other.mask), count(other.count), ref_tag(other.ref_tag) {
  if (count == 1) one = other.one;
  else many = other.many;
  other.count = 0;
  other.mask = 0;
}

Index::Record& Index::Record::operator=(Record&& other) noexcept {
  if (this != &other) {
    this->~Record();
    new (this) Record(std::move(other));
  }
  return *this;
}

Index::Record::~Record() {
  if (count > 1) std::free(many);
}

const Index::Entry* Index::Record::Find(uint16_t purpose) const {
  const Entry* e = entries();
  if (purpose < 64) {
    if (!((mask >> purpose) & 1)) return nullptr;
    return &e[std::popcount(mask & ((uint64_t{1} << purpose) - 1))];
  }
  for (uint32_t i = static_cast<uint32_t>(std::popcount(mask)); i < count; ++i) {
    if (e[i].purpose() == purpose) return &e[i];
  }
  return nullptr;
}

void Index::Record::Put(const Entry& entry) {
  const uint16_t purpose = entry.purpose();
  if (const Entry* found = Find(purpose)) {
    *const_cast<Entry*>(found) = entry;
    return;
  }
  if (purpose < 64) mask |= uint64_t{1} << purpose;
  if (count == 0) {
    one = entry;
    count = 1;
    return;
  }
  // Insert keeping the order by purpose; the array is resized exactly, as a
  // subject gains purposes rarely and memory matters more.
  const Entry* old = entries();
  uint32_t at = 0;
  while (at < count && old[at].purpose() < purpose) ++at;
  auto* grown = static_cast<Entry*>(std::malloc(sizeof(Entry) * (count + 1)));
  if (!grown) throw std::bad_alloc();
  std::memcpy(grown, old, sizeof(Entry) * at);
  grown[at] = entry;
  std::memcpy(grown + at + 1, old + at, sizeof(Entry) * (count - at));
  if (count > 1) std::free(many);
  many = grown;
  ++count;
}

const char* Index::Shard::Intern(std::string_view id) {
  const size_t need = sizeof(uint16_t) + id.size();
  if (arena.empty() || arena_used + need > kArenaBlock) {
    arena.push_back(std::make_unique<char[]>(kArenaBlock));
    arena_used = 0;
  }
  char* p = arena.back().get() + arena_used;
  const auto n = static_cast<uint16_t>(id.size());
  std::memcpy(p, &n, sizeof n);
  std::memcpy(p + sizeof n, id.data(), id.size());
  arena_used += need;
  return p;
}

size_t Index::HashOf(std::string_view subject) {
  // The same hash the maps use (absl's StringHash), so find() can take it.
  return absl::Hash<absl::string_view>{}(Key(subject));
}

std::optional<Index::LatestGrant> Index::LatestGrantOf(std::string_view subject, std::string_view purpose) const {
  const PurposeTable& table = purposes();
  auto it = table.by_id.find(Key(purpose));
  if (it == table.by_id.end()) return std::nullopt;
  const size_t hash = HashOf(subject);
  const Shard& shard = ShardFor(hash);
  std::shared_lock lock(shard.mu);
  auto s = shard.subjects.find(subject, hash);
  if (s == shard.subjects.end()) return std::nullopt;
  const Entry* e = s->second.Find(it->second);
  if (!e || e->action() != Action::kGrant) return std::nullopt;
  return LatestGrant{e->seq(), e->expires_s == kNever ? 0 : e->expires_micros()};
}

bool Index::HasGpc(std::string_view subject) const {
  const size_t hash = HashOf(subject);
  const Shard& shard = ShardFor(hash);
  std::shared_lock lock(shard.mu);
  auto s = shard.subjects.find(subject, hash);
  return s != shard.subjects.end() && s->second.Find(kGpcPurpose) != nullptr;
}

size_t Index::subject_count() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    n += shards_[i].subjects.size();
  }
  return n;
}

void Index::ApplyPublish(const Catalog& catalog, std::span<const std::string> editorial, uint64_t seq) {
  const PurposeTable& old = purposes();
  auto next = std::make_unique<PurposeTable>(old);
  next->publication_seq = seq;
  for (auto& p : next->purposes) p.active = false;
  for (const Purpose& p : catalog.purposes) {
    // Beyond the numbers an entry can hold, a purpose stays unknown (deny);
    // Engine::Publish refuses such a catalog before it is recorded.
    if (!next->by_id.contains(p.id) && next->purposes.size() >= kMaxPurposes) continue;
    auto [it, inserted] = next->by_id.try_emplace(p.id, static_cast<uint16_t>(next->purposes.size()));
    if (inserted) {
      next->purposes.emplace_back();
      next->purposes.back().id = p.id;
    }
    PurposeState& s = next->purposes[it->second];
    const bool was_active = old.by_id.contains(p.id) && old.purposes[it->second].active;
    const bool changed = s.notice_version != p.notice_version || !was_active;
    const bool is_editorial = std::find(editorial.begin(), editorial.end(), p.id) != editorial.end();
    // Only a purpose that stayed in force can carry consents over.
    if (changed && !(is_editorial && was_active)) s.material_seq = seq;
    if (changed) {
      s.notice_version = p.notice_version;
      s.version_seq = seq;
    }
    s.active = true;
    s.basis = p.basis;
    s.sale_or_share = p.sale_or_share;
    s.has_expiry = !p.expires.empty();
    s.expires = s.has_expiry ? ParseIsoDuration(p.expires).value() : IsoDuration{};
  }
  tables_.push_back(std::move(next));
  table_.store(tables_.back().get(), std::memory_order_release);
  set_last_seq(seq);
}

Index::Entry Index::MakeEntry(uint64_t seq, Action action, bool stale, uint16_t purpose, int64_t expires_micros) {
  uint32_t expires_s = kNever;
  uint64_t expires_ms = 0;
  if (expires_micros >= 0) {
    expires_s = static_cast<uint32_t>(std::min<int64_t>(expires_micros / 1'000'000, kNever - 1));
    if (expires_s != kNever - 1) expires_ms = static_cast<uint64_t>(expires_micros % 1'000'000 / 1000);
  }
  const uint64_t bits = (seq & ((uint64_t{1} << kSeqBits) - 1)) | uint64_t{static_cast<uint8_t>(action) & 7u} << kSeqBits |
                        uint64_t{stale} << (kSeqBits + 3) | uint64_t{purpose} << (kSeqBits + 4) |
                        expires_ms << (kSeqBits + 4 + kPurposeBits);
  Entry entry{};
  entry.packed[0] = static_cast<uint32_t>(bits);
  entry.packed[1] = static_cast<uint32_t>(bits >> 32);
  entry.expires_s = expires_s;
  return entry;
}

uint32_t Index::RefTag(std::string_view ref) {
  uint32_t tag = 0;
  std::memcpy(&tag, ref.data(), std::min(ref.size(), sizeof tag));
  return tag;
}

void Index::ApplyErasureByRef(const Event& event, const std::function<bool(std::string_view subject)>& is_subject) {
  set_last_seq(event.seq);
  if (event.subject_ref.empty()) return;
  const uint32_t tag = RefTag(event.subject_ref);
  for (size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::unique_lock lock(shard.mu);
    for (auto it = shard.subjects.begin(); it != shard.subjects.end();) {
      auto here = it++;
      if (here->second.ref_tag == tag && is_subject(IdView::Of(here->first))) {
        shard.subjects.erase(here);
        return;  // one subject per look-up key
      }
    }
  }
}

void Index::ApplySubjectEvent(std::string_view subject, const Event& event) {
  set_last_seq(event.seq);
  if (event.action == Action::kErase) {
    // The subject is forgotten: unknown from now on, so every consent purpose
    // decides no_consent.
    const size_t hash = HashOf(subject);
    Shard& shard = ShardFor(hash);
    std::unique_lock lock(shard.mu);
    if (auto found = shard.subjects.find(subject, hash); found != shard.subjects.end()) shard.subjects.erase(found);
    return;
  }
  Entry entry;
  if (event.action == Action::kSignal) {
    // Only Global Privacy Control is a signal the index knows; it applies to
    // every sale_or_share purpose, so it has an entry of its own.
    if (event.channel != "gpc") return;
    entry = MakeEntry(event.seq, event.action, false, kGpcPurpose, -1);
  } else {
    const PurposeTable& table = purposes();
    auto it = table.by_id.find(Key(event.purpose));
    if (it == table.by_id.end()) return;  // never published: nothing can be decided from it
    const PurposeState& p = table.purposes[it->second];
    const bool stale = event.action == Action::kGrant && !(p.active && event.notice == p.notice_version);
    const int64_t expires = p.has_expiry ? AddDuration(std::max<int64_t>(0, event.time), p.expires) : -1;
    entry = MakeEntry(event.seq, event.action, stale, it->second, expires);
  }
  const size_t hash = HashOf(subject);
  Shard& shard = ShardFor(hash);
  std::unique_lock lock(shard.mu);
  auto found = shard.subjects.find(subject, hash);
  if (found == shard.subjects.end()) {
    found = shard.subjects.emplace(shard.Intern(subject), Record()).first;
  }
  found->second.ref_tag = RefTag(event.subject_ref);
  found->second.Put(entry);
}

Decision Index::Decide(std::string_view subject, std::string_view purpose, int64_t now) const {
  const PurposeTable& table = purposes();
  auto it = table.by_id.find(Key(purpose));
  if (it == table.by_id.end()) return {false, Reason::kUnknownPurpose, table.publication_seq};
  return DecideWith(table, it->second, subject, now);
}

Decision Index::DecideWith(const PurposeTable& table, uint16_t purpose, std::string_view subject, int64_t now) const {
  const PurposeState& p = table.purposes[purpose];
  if (!p.active) return {false, Reason::kUnknownPurpose, table.publication_seq};
  if (p.basis == Basis::kNecessary) return {true, Reason::kNecessary, p.version_seq};
  Entry found{};
  bool has = false;
  uint64_t gpc = 0;  // the subject's Global Privacy Control signal, if any
  {
    const size_t hash = HashOf(subject);
    const Shard& shard = ShardFor(hash);
    std::shared_lock lock(shard.mu);
    auto s = shard.subjects.find(subject, hash);
    if (s != shard.subjects.end()) {
      if (const Entry* e = s->second.Find(purpose)) {
        found = *e;
        has = true;
      }
      if (p.sale_or_share) {
        if (const Entry* e = s->second.Find(kGpcPurpose)) gpc = e->seq();
      }
    }
  }
  // A GPC opt-out covers a sale_or_share purpose unless the subject's own
  // word on it came later (a grant given knowingly despite the signal).
  if (gpc != 0 && (!has || found.seq() < gpc)) return {false, Reason::kGpcOptOut, gpc};
  if (!has) return {false, Reason::kNoConsent, 0};
  switch (found.action()) {
    case Action::kWithdraw: return {false, Reason::kWithdrawn, found.seq()};
    case Action::kGrant: break;
    default: return {false, Reason::kNoConsent, found.seq()};
  }
  if (found.stale() || found.seq() < p.material_seq) return {false, Reason::kNoticeChanged, p.version_seq};
  if (found.expires_s != kNever && now >= found.expires_micros()) {
    return {false, Reason::kExpired, found.seq()};
  }
  return {true, Reason::kGranted, found.seq()};
}

std::vector<Index::Lapse> Index::LapsesSince(uint64_t after_seq, int64_t after_time, int64_t until_time) const {
  const PurposeTable& table = purposes();
  std::vector<Lapse> out;
  for (size_t i = 0; i < kShards; ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    for (const auto& [key, record] : shard.subjects) {
      const Entry* gpc = record.Find(kGpcPurpose);
      for (uint32_t n = 0; n < record.count; ++n) {
        const Entry& e = record.entries()[n];
        if (e.purpose() == kGpcPurpose || e.action() != Action::kGrant || e.stale()) continue;
        if (e.purpose() >= table.purposes.size()) continue;
        const PurposeState& p = table.purposes[e.purpose()];
        if (!p.active || p.basis != Basis::kConsent) continue;
        if (p.sale_or_share && gpc && gpc->seq() > e.seq()) continue;
        Reason why;
        if (e.seq() < p.material_seq) {
          if (p.material_seq <= after_seq) continue;
          why = Reason::kNoticeChanged;
        } else if (e.expires_s != kNever && e.expires_micros() > after_time && e.expires_micros() <= until_time) {
          why = Reason::kExpired;
        } else {
          continue;
        }
        out.push_back({std::string(IdView::Of(key)), p.id, e.seq(), why});
      }
    }
  }
  return out;
}

}  // namespace optin::internal
