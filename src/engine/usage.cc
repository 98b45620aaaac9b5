// Checks that note usage, and usage written to the store and read back
// (docs/usage.md).
#include <algorithm>
#include <map>
#include <tuple>

#include "src/common/time.h"
#include "src/engine/engine_impl.h"

namespace optin {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;
// How long a purpose without `retention` keeps its usage days.
constexpr int32_t kDefaultUsageDays = 400;
// Most uses a failed flush keeps for the next.
constexpr size_t kMaxUnflushed = size_t{1} << 20;

int32_t DayOf(int64_t micros) { return static_cast<int32_t>(micros / kMicrosPerDay); }

// Whether the notice of `p` names `recipient` (a recipient id).
bool Names(const Purpose& p, std::string_view recipient) {
  return std::any_of(p.recipients.begin(), p.recipients.end(),
                     [&](const Recipient& r) { return !r.id.empty() && r.id == recipient; });
}

// The first day a use on `day` is no longer kept: the purpose's retention
// after it.
int32_t ExpiresAfter(const Purpose* p, int32_t day) {
  if (p && !p->retention.empty()) {
    if (Result<IsoDuration> d = ParseIsoDuration(p->retention); d.ok()) {
      return std::max(day + 1, DayOf(AddDuration(int64_t{day} * kMicrosPerDay, *d)) + 1);
    }
  }
  return day + kDefaultUsageDays;
}

}  // namespace

Decision Engine::Check(std::string_view subject, std::string_view purpose, std::string_view recipient) const {
  return CheckAt(subject, purpose, recipient, impl_->clock());
}

Decision Engine::CheckAt(std::string_view subject, std::string_view purpose, std::string_view recipient,
                         int64_t now) const {
  Decision d = impl_->Guard(impl_->index.Decide(subject, purpose, now), now);
  std::string_view noted_recipient = recipient;
  if (!recipient.empty()) {
    std::shared_ptr<const Catalog> catalog = impl_->Current();
    const Purpose* p = catalog ? catalog->FindPurpose(purpose) : nullptr;
    if (d.allowed && (!p || !Names(*p, recipient))) d = {false, Reason::kRecipientNotDeclared, d.event};
    // Counted under a recipient of the catalog only: a caller's typo must
    // not grow the counts without bound.
    if (!catalog || !catalog->FindRecipient(recipient)) noted_recipient = {};
  }
  if (d.reason == Reason::kGranted) {
    NoteUse(subject, purpose, noted_recipient, now);
  } else if (!d.allowed) {
    NoteDenied(d.reason == Reason::kUnknownPurpose ? std::string_view() : purpose, noted_recipient, d.reason, 1, now);
  }
  return d;
}

void Engine::NoteUse(std::string_view subject, std::string_view purpose, std::string_view recipient,
                     int64_t when) const {
  if (impl_->record_usage) impl_->usage.NoteUse(subject, purpose, recipient, DayOf(when));
}

void Engine::NoteDenied(std::string_view purpose, std::string_view recipient, Reason reason, uint64_t count,
                        int64_t when) const {
  if (impl_->record_usage) impl_->usage.NoteDenied(purpose, recipient, reason, DayOf(when), count);
}

Status Engine::FlushUsage() {
  internal::UsageRecorder::Noted noted = impl_->usage.Take();
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  absl::MutexLock lock(&impl_->flush_mu);
  UsageBatch& batch = impl_->unflushed;
  for (internal::UsageRecorder::Use& u : noted.uses) {
    if (batch.days.size() >= kMaxUnflushed) break;
    const Purpose* p = catalog ? catalog->FindPurpose(u.purpose) : nullptr;
    batch.days.push_back({.subject_ref = impl_->writer->SubjectRef(u.subject),
                          .purpose = std::move(u.purpose),
                          .recipient = std::move(u.recipient),
                          .day = u.day,
                          .expires = ExpiresAfter(p, u.day)});
  }
  for (DeniedCountRow& d : noted.denied) batch.denied.push_back(std::move(d));
  // Expired days go once a day; a flush with nothing to do touches nothing.
  const int32_t today = DayOf(impl_->clock());
  batch.prune_through = impl_->pruned_through == today ? 0 : today;
  if (batch.days.empty() && batch.denied.empty() && batch.prune_through == 0) return OkStatus();
  OPTIN_RETURN_IF_ERROR(impl_->store->RecordUsage(batch));
  if (batch.prune_through != 0) impl_->pruned_through = batch.prune_through;
  batch = UsageBatch{};
  return OkStatus();
}

Result<std::vector<UsageDays>> Engine::SubjectUsage(std::string_view subject) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  std::vector<UsageDays> out;
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanUsage(impl_->writer->SubjectRef(subject), [&](const UsageDayRow& u) {
    if (out.empty() || out.back().purpose != u.purpose || out.back().recipient != u.recipient) {
      out.push_back({.purpose = u.purpose, .recipient = u.recipient, .days = {}});
    }
    out.back().days.push_back(u.day);
    return OkStatus();
  }));
  return out;
}

Result<std::vector<DeniedCountRow>> Engine::DeniedChecks(int64_t since) {
  std::vector<DeniedCountRow> out;
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanDeniedCounts(DayOf(since), [&](const DeniedCountRow& d) {
    out.push_back(d);
    return OkStatus();
  }));
  return out;
}

}  // namespace optin
