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
  std::mutex mu_;
  std::vector<StoredEvent> events_;
  std::map<std::string, std::string> keys_;
  std::string secret_;
  std::vector<ApiKeyRow> api_keys_;
  std::vector<LogKeyRow> log_keys_;
  std::map<uint64_t, TreeHeadRow> tree_heads_;
  std::map<std::string, std::string> settings_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

Status Store::WaitForChange(int timeout_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  return OkStatus();
}

}  // namespace optin
