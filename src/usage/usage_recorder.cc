#include "src/usage/usage_recorder.h"

#include <array>
#include <atomic>
#include <cstring>

#include "absl/hash/hash.h"

namespace optin::internal {
namespace {

// How many distinct uses a shard remembers in a day before it starts over
// (a use noted again is written again, and ignored by the store).
constexpr size_t kMaxSeenPerShard = size_t{1} << 16;

// Uses each thread noted last, by fingerprint: a repeat found here costs no
// lock. The recorder's serial number is part of the fingerprint, so that two
// recorders in one process (or one made where another was) never answer
// for each other.
constexpr size_t kThreadCacheSize = 4096;
thread_local std::array<uint64_t, kThreadCacheSize> noted_by_thread{};

std::atomic<uint64_t> next_serial{1};

uint64_t Fingerprint(uint64_t recorder, std::string_view subject, std::string_view purpose,
                     std::string_view recipient, int32_t day) {
  return absl::HashOf(recorder, subject, purpose, recipient, day);
}

void AppendDay(std::string& key, int32_t day) {
  char bytes[sizeof day];
  std::memcpy(bytes, &day, sizeof day);
  key.append(bytes, sizeof bytes);
}

}  // namespace

UsageRecorder::UsageRecorder(size_t max_pending)
    : serial_(next_serial.fetch_add(1)), max_pending_per_shard_(max_pending / kShards + 1) {}

void UsageRecorder::NoteUse(std::string_view subject, std::string_view purpose, std::string_view recipient,
                            int32_t day) {
  const uint64_t print = Fingerprint(serial_, subject, purpose, recipient, day);
  uint64_t& cached = noted_by_thread[print % kThreadCacheSize];
  if (cached == print) return;
  cached = print;
  Shard& shard = shards_[print / kThreadCacheSize % kShards];
  absl::MutexLock lock(&shard.mu);
  if (shard.day != day || shard.seen.size() >= kMaxSeenPerShard) {
    shard.seen.clear();
    shard.day = day;
  }
  if (!shard.seen.insert(print).second) return;
  if (shard.uses.size() >= max_pending_per_shard_) {
    ++shard.dropped;
    return;
  }
  shard.uses.push_back({std::string(subject), std::string(purpose), std::string(recipient), day});
}

void UsageRecorder::NoteDenied(std::string_view purpose, std::string_view recipient, Reason reason, int32_t day,
                               uint64_t count) {
  if (count == 0) return;
  thread_local std::string key;
  key.assign(purpose).push_back('\0');
  key.append(recipient).push_back('\0');
  key.append(ReasonName(reason)).push_back('\0');
  AppendDay(key, day);
  Shard& shard = shards_[absl::HashOf(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.denied.find(key);
  if (it != shard.denied.end()) {
    it->second += count;
  } else {
    shard.denied.emplace(key, count);
  }
}

UsageRecorder::Noted UsageRecorder::Take() {
  Noted out;
  for (Shard& shard : shards_) {
    std::vector<Use> uses;
    absl::flat_hash_map<std::string, uint64_t> denied;
    {
      absl::MutexLock lock(&shard.mu);
      uses.swap(shard.uses);
      denied.swap(shard.denied);
      out.dropped += shard.dropped;
      shard.dropped = 0;
    }
    for (Use& u : uses) out.uses.push_back(std::move(u));
    for (const auto& [key, count] : denied) {
      DeniedCountRow row;
      const size_t a = key.find('\0'), b = key.find('\0', a + 1), c = key.find('\0', b + 1);
      row.purpose = key.substr(0, a);
      row.recipient = key.substr(a + 1, b - a - 1);
      row.reason = key.substr(b + 1, c - b - 1);
      std::memcpy(&row.day, key.data() + c + 1, sizeof row.day);
      row.count = count;
      out.denied.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace optin::internal
