#include <algorithm>
#include <map>
#include <chrono>
#include <mutex>
#include <thread>
#include <tuple>

#include "optin/store.h"
#include "src/common/crypto.h"

namespace optin {
namespace {

class MemoryStore final : public Store {
 public:
  MemoryStore() {
    SecretKey k = RandomKey();
    secret_.assign(reinterpret_cast<const char*>(k.data()), k.size());
  }

  std::string Describe() const override { return "memory:"; }

  Status Append(const AppendBatch& batch) override {
    std::lock_guard lock(mu_);
    if (!batch.events.empty() && batch.events.front().seq != events_.size() + 1) {
      return AlreadyExistsError("the ledger moved on: expected sequence " + std::to_string(events_.size() + 1));
    }
    for (const auto& k : batch.new_keys) {
      const bool erased_first =
          std::find(batch.erased_keys.begin(), batch.erased_keys.end(), k.subject_ref) != batch.erased_keys.end();
      if (keys_.count(k.subject_ref) && !erased_first) return AlreadyExistsError("a subject key was created by another writer");
    }
    for (const auto& ref : batch.erased_keys) keys_.erase(ref);
    for (const auto& k : batch.new_keys) keys_[k.subject_ref] = k.key;
    for (const auto& e : batch.events) events_.push_back(e);
    if (batch.head) tree_heads_.emplace(batch.head->tree_size, *batch.head);
    for (const DeliveryRow& d : batch.deliveries) deliveries_.emplace(d.id, d);
    for (const auto& ref : batch.erased_keys) {
      std::erase_if(usage_, [&](const auto& entry) { return std::get<0>(entry.first) == ref; });
      for (auto& [id, d] : deliveries_) {
        if (d.subject_ref != ref || d.kind == "erase") continue;
        if (d.state == "pending") d.state = "superseded";
        d.subject.clear();
      }
    }
    return OkStatus();
  }

  Result<std::vector<DeliveryRow>> ClaimDeliveries(int64_t now, int64_t lease_micros, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<DeliveryRow*> due;
    for (auto& [id, d] : deliveries_) {
      if (d.state == "pending" && d.next_attempt <= now && !HasEarlierPending(d)) due.push_back(&d);
    }
    std::sort(due.begin(), due.end(), [](const DeliveryRow* a, const DeliveryRow* b) {
      return std::tie(a->seq, a->recipient) < std::tie(b->seq, b->recipient);
    });
    if (due.size() > limit) due.resize(limit);
    std::vector<DeliveryRow> out;
    for (DeliveryRow* d : due) {
      d->next_attempt = now + lease_micros;
      out.push_back(*d);
    }
    return out;
  }

  Status AddDeliveries(std::span<const DeliveryRow> rows) override {
    std::lock_guard lock(mu_);
    for (const DeliveryRow& d : rows) {
      if (keys_.count(d.subject_ref)) deliveries_.emplace(d.id, d);
    }
    return OkStatus();
  }

  Status FinishDeliveries(std::span<const DeliveryRow> rows) override {
    std::lock_guard lock(mu_);
    for (const DeliveryRow& row : rows) {
      auto it = deliveries_.find(row.id);
      // An erasure may have superseded it while it was being sent.
      if (it == deliveries_.end() || it->second.state == "superseded") continue;
      DeliveryRow& d = it->second;
      d.state = row.state;
      d.attempts = row.attempts;
      d.next_attempt = row.next_attempt;
      d.delivered = row.delivered;
      d.last_error = row.last_error;
    }
    return OkStatus();
  }

  Result<DeliveryRow> ConfirmDelivery(std::string_view recipient, std::string_view id, std::string_view action,
                                      int64_t at, int64_t now) override {
    std::lock_guard lock(mu_);
    auto it = deliveries_.find(std::string(id));
    if (it == deliveries_.end() || it->second.recipient != recipient) {
      return NotFoundError("recipient `" + std::string(recipient) + "` has no delivery `" + std::string(id) + "`");
    }
    DeliveryRow& d = it->second;
    if (d.confirmed != 0) return d;
    d.confirmed = now;
    d.confirmed_action = std::string(action);
    d.confirmed_at = at;
    if (d.kind == "erase") d.subject.clear();
    return d;
  }

  Status ScanDeliveries(std::string_view recipient, std::string_view subject_ref,
                        const std::function<Status(const DeliveryRow&)>& fn) override {
    std::vector<DeliveryRow> copy;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, d] : deliveries_) {
        if ((recipient.empty() || d.recipient == recipient) && (subject_ref.empty() || d.subject_ref == subject_ref)) {
          copy.push_back(d);
        }
      }
    }
    std::sort(copy.begin(), copy.end(), [](const DeliveryRow& a, const DeliveryRow& b) {
      return std::tie(a.seq, a.recipient) < std::tie(b.seq, b.recipient);
    });
    for (const DeliveryRow& d : copy) OPTIN_RETURN_IF_ERROR(fn(d));
    return OkStatus();
  }

  Status RecordUsage(const UsageBatch& batch) override {
    std::lock_guard lock(mu_);
    for (const UsageDayRow& u : batch.days) {
      if (keys_.count(u.subject_ref)) usage_.emplace(UsageKey{u.subject_ref, u.purpose, u.recipient, u.day}, u.expires);
    }
    for (const DeniedCountRow& d : batch.denied) denied_[{d.day, d.purpose, d.recipient, d.reason}] += d.count;
    if (batch.prune_through != 0) {
      std::erase_if(usage_, [&](const auto& entry) { return entry.second <= batch.prune_through; });
    }
    return OkStatus();
  }

  Status ScanUsage(std::string_view subject_ref, const std::function<Status(const UsageDayRow&)>& fn) override {
    std::vector<UsageDayRow> copy;
    {
      std::lock_guard lock(mu_);
      for (const auto& [k, expires] : usage_) {
        const auto& [ref, purpose, recipient, day] = k;
        if (subject_ref.empty() || ref == subject_ref) copy.push_back({ref, purpose, recipient, day, expires});
      }
    }
    std::stable_sort(copy.begin(), copy.end(), [](const UsageDayRow& a, const UsageDayRow& b) {
      return std::tie(a.purpose, a.recipient, a.day) < std::tie(b.purpose, b.recipient, b.day);
    });
    for (const UsageDayRow& u : copy) OPTIN_RETURN_IF_ERROR(fn(u));
    return OkStatus();
  }

  Status ScanDeniedCounts(int32_t since_day, const std::function<Status(const DeniedCountRow&)>& fn) override {
    std::vector<DeniedCountRow> copy;
    {
      std::lock_guard lock(mu_);
      for (const auto& [k, count] : denied_) {
        const auto& [day, purpose, recipient, reason] = k;
        if (day >= since_day) copy.push_back({day, purpose, recipient, reason, count});
      }
    }
    for (const DeniedCountRow& d : copy) OPTIN_RETURN_IF_ERROR(fn(d));
    return OkStatus();
  }

  Status Scan(uint64_t after, const std::function<Status(const StoredEvent&)>& fn) override {
    std::vector<StoredEvent> copy;
    {
      std::lock_guard lock(mu_);
      if (after < events_.size()) copy.assign(events_.begin() + static_cast<ptrdiff_t>(after), events_.end());
    }
    for (const auto& e : copy) OPTIN_RETURN_IF_ERROR(fn(e));
    return OkStatus();
  }

  Status ScanSubject(std::string_view ref, const std::function<Status(const StoredEvent&)>& fn) override {
    std::vector<StoredEvent> copy;
    {
      std::lock_guard lock(mu_);
      for (const auto& e : events_) {
        if (e.subject_ref == ref) copy.push_back(e);
      }
    }
    for (const auto& e : copy) OPTIN_RETURN_IF_ERROR(fn(e));
    return OkStatus();
  }

  Result<std::optional<std::string>> GetSubjectKey(std::string_view ref) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(std::string(ref));
    if (it == keys_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status ScanSubjectKeys(const std::function<Status(const SubjectKeyRow&)>& fn) override {
    std::map<std::string, std::string> copy;
    {
      std::lock_guard lock(mu_);
      copy = keys_;
    }
    for (const auto& [ref, key] : copy) OPTIN_RETURN_IF_ERROR(fn({ref, key}));
    return OkStatus();
  }

  Result<std::string> Secret() override { return secret_; }

  Status AdoptSecret(std::string_view secret) override {
    std::lock_guard lock(mu_);
    if (!events_.empty()) return FailedPreconditionError("the store already holds events; its secret cannot change");
    secret_ = std::string(secret);
    return OkStatus();
  }

  Status PutApiKey(const ApiKeyRow& key) override {
    std::lock_guard lock(mu_);
    for (const auto& k : api_keys_) {
      if (k.name == key.name) return AlreadyExistsError("an API key named `" + key.name + "` exists already");
    }
    api_keys_.push_back(key);
    return OkStatus();
  }

  Result<std::vector<ApiKeyRow>> ListApiKeys() override {
    std::lock_guard lock(mu_);
    return api_keys_;
  }

  Status RevokeApiKey(std::string_view name) override {
    std::lock_guard lock(mu_);
    for (auto it = api_keys_.begin(); it != api_keys_.end(); ++it) {
      if (it->name == name) {
        api_keys_.erase(it);
        return OkStatus();
      }
    }
    return NotFoundError("no API key named `" + std::string(name) + "`");
  }

  Status PutLogKey(const LogKeyRow& key) override {
    std::lock_guard lock(mu_);
    for (const auto& k : log_keys_) {
      if (k.key_id == key.key_id) return AlreadyExistsError("log key `" + key.key_id + "` exists already");
    }
    log_keys_.push_back(key);
    std::stable_sort(log_keys_.begin(), log_keys_.end(), [](const LogKeyRow& a, const LogKeyRow& b) {
      // Oldest first; at the same time, retired keys before the one in use.
      return std::make_tuple(a.created, a.retired == 0, a.key_id) < std::make_tuple(b.created, b.retired == 0, b.key_id);
    });
    return OkStatus();
  }

  Status RetireLogKey(std::string_view key_id, int64_t when) override {
    std::lock_guard lock(mu_);
    for (auto& k : log_keys_) {
      if (k.key_id == key_id) {
        k.retired = when;
        std::stable_sort(log_keys_.begin(), log_keys_.end(), [](const LogKeyRow& a, const LogKeyRow& b) {
          return std::make_tuple(a.created, a.retired == 0, a.key_id) <
                 std::make_tuple(b.created, b.retired == 0, b.key_id);
        });
        return OkStatus();
      }
    }
    return NotFoundError("no log key `" + std::string(key_id) + "`");
  }

  Result<std::vector<LogKeyRow>> ListLogKeys() override {
    std::lock_guard lock(mu_);
    return log_keys_;
  }

  Result<TreeHeadRow> PutTreeHead(const TreeHeadRow& head) override {
    std::lock_guard lock(mu_);
    return tree_heads_.emplace(head.tree_size, head).first->second;
  }

  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = settings_.find(std::string(name));
    if (it == settings_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status PutSetting(std::string_view name, std::string_view value) override {
    std::lock_guard lock(mu_);
    settings_[std::string(name)] = std::string(value);
    return OkStatus();
  }

  Status ScanTreeHeads(uint64_t after, const std::function<Status(const TreeHeadRow&)>& fn) override {
    std::vector<TreeHeadRow> copy;
    {
      std::lock_guard lock(mu_);
      for (auto it = tree_heads_.upper_bound(after); it != tree_heads_.end(); ++it) copy.push_back(it->second);
    }
    for (const auto& h : copy) OPTIN_RETURN_IF_ERROR(fn(h));
    return OkStatus();
  }

  Result<std::optional<TreeHeadRow>> LatestTreeHead() override {
    std::lock_guard lock(mu_);
    if (tree_heads_.empty()) return std::optional<TreeHeadRow>();
    return std::optional<TreeHeadRow>(tree_heads_.rbegin()->second);
  }

 private:
  // Whether a delivery of the same subject to the same recipient, of an
  // earlier event, is still pending. Called with mu_ held.
  bool HasEarlierPending(const DeliveryRow& d) const {
    return std::any_of(deliveries_.begin(), deliveries_.end(), [&](const auto& entry) {
      const DeliveryRow& e = entry.second;
      return e.state == "pending" && e.recipient == d.recipient && e.subject_ref == d.subject_ref && e.seq < d.seq;
    });
  }

  std::mutex mu_;
  std::vector<StoredEvent> events_;
  std::map<std::string, std::string> keys_;
  std::string secret_;
  std::vector<ApiKeyRow> api_keys_;
  std::vector<LogKeyRow> log_keys_;
  std::map<uint64_t, TreeHeadRow> tree_heads_;
  std::map<std::string, std::string> settings_;
  std::map<std::string, DeliveryRow> deliveries_;  // by id
  // Usage days: (subject_ref, purpose, recipient, day) -> expires.
  using UsageKey = std::tuple<std::string, std::string, std::string, int32_t>;
  std::map<UsageKey, int32_t> usage_;
  // Denied counts: (day, purpose, recipient, reason) -> count.
  std::map<std::tuple<int32_t, std::string, std::string, std::string>, uint64_t> denied_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

Status Store::WaitForChange(int timeout_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  return OkStatus();
}

}  // namespace optin
