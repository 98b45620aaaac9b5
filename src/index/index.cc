#include "src/index/index.h"

#include <absl/hash/hash.h>

#include <algorithm>

namespace optin::internal {
namespace {

// Debian's Abseil has its own string_view; its maps look up by that one.
absl::string_view Key(std::string_view s) { return {s.data(), s.size()}; }

// An epoch no purpose has: given to a grant of a notice that is not the one
// in force, so that it never counts (default deny).
constexpr uint16_t kStaleEpoch = 0xffff;

}  // namespace

Index::Index() : shards_(new Shard[kShards]) {
  tables_.push_back(std::make_unique<PurposeTable>());
  table_.store(tables_.back().get(), std::memory_order_release);
}

Index::Shard& Index::ShardFor(std::string_view subject) const {
  size_t h = absl::Hash<absl::string_view>{}(Key(subject));
  return shards_[h >> (64 - kShardBits)];
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
    auto [it, inserted] = next->by_id.try_emplace(p.id, static_cast<uint16_t>(next->purposes.size()));
    if (inserted) {
      next->purposes.emplace_back();
      next->purposes.back().id = p.id;
    }
    PurposeState& s = next->purposes[it->second];
    const bool was_active = old.by_id.contains(p.id) && old.purposes[it->second].active;
    const bool changed = s.notice_version != p.notice_version || !was_active;
    const bool is_editorial = std::find(editorial.begin(), editorial.end(), p.id) != editorial.end();
    if (!inserted && changed && !is_editorial) s.epoch = static_cast<uint16_t>((s.epoch + 1) % kStaleEpoch);
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

void Index::ApplySubjectEvent(std::string_view subject, const Event& event) {
  const PurposeTable& table = purposes();
  auto it = table.by_id.find(Key(event.purpose));
  set_last_seq(event.seq);
  if (it == table.by_id.end()) return;  // never published: nothing can be decided from it
  const PurposeState& p = table.purposes[it->second];
  Entry entry{};
  entry.seq = event.seq;
  entry.action = static_cast<uint8_t>(event.action);
  entry.time_s = static_cast<uint32_t>(std::max<int64_t>(0, event.time / kMicrosPerSecond));
  entry.purpose = it->second;
  entry.epoch = (event.action == Action::kGrant && !(p.active && event.notice == p.notice_version)) ? kStaleEpoch
                                                                                                    : p.epoch;
  Shard& shard = ShardFor(subject);
  std::unique_lock lock(shard.mu);
  Entries& entries = shard.subjects[Key(subject)];
  for (Entry& e : entries) {
    if (e.purpose == entry.purpose) {
      e = entry;
      return;
    }
  }
  entries.push_back(entry);
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
  {
    const Shard& shard = ShardFor(subject);
    std::shared_lock lock(shard.mu);
    auto s = shard.subjects.find(Key(subject));
    if (s != shard.subjects.end()) {
      for (const Entry& e : s->second) {
        if (e.purpose == purpose) {
          found = e;
          has = true;
          break;
        }
      }
    }
  }
  if (!has) return {false, Reason::kNoConsent, 0};
  switch (static_cast<Action>(found.action)) {
    case Action::kWithdraw:
    case Action::kSignal: return {false, Reason::kWithdrawn, found.seq};
    case Action::kGrant: break;
    default: return {false, Reason::kNoConsent, found.seq};
  }
  if (found.epoch != p.epoch) return {false, Reason::kNoticeChanged, p.version_seq};
  if (p.has_expiry) {
    int64_t granted = static_cast<int64_t>(found.time_s) * kMicrosPerSecond;
    if (now >= AddDuration(granted, p.expires)) return {false, Reason::kExpired, found.seq};
  }
  return {true, Reason::kGranted, found.seq};
}

}  // namespace optin::internal
