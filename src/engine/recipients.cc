// Recipients of customers' data: whom each change is told to (written as
// deliveries with its event), and the signing secrets of webhook
// recipients, kept in the store (never in the catalog) and rotated with an
// overlap.
#include <algorithm>
#include <sstream>

#include "src/engine/engine_impl.h"
#include "src/recipients/webhook_signature.h"

namespace optin {
namespace {

// DO NOT CHANGE: the store setting that says up to where lapses were told:
// `SEQ TIME` (the ledger's last sequence number and the time, microseconds).
constexpr std::string_view kLapsesTold = "lapses_told";
constexpr int64_t kLapseWindow = int64_t{3600} * 1'000'000;

// DO NOT CHANGE: the store setting a recipient's secrets are kept in, one
// line per secret, newest first: `SECRET CREATED RETIRES` (microseconds).
std::string SecretsSetting(std::string_view recipient) { return "webhook_secrets/" + std::string(recipient); }

std::vector<WebhookSecret> ParseSecrets(const std::string& text) {
  std::vector<WebhookSecret> out;
  std::istringstream in(text);
  WebhookSecret s;
  while (in >> s.secret >> s.created >> s.retires) out.push_back(s);
  return out;
}

std::string FormatSecrets(const std::vector<WebhookSecret>& secrets) {
  std::string out;
  for (const WebhookSecret& s : secrets) {
    out += s.secret + " " + std::to_string(s.created) + " " + std::to_string(s.retires) + "\n";
  }
  return out;
}

}  // namespace

void Engine::Impl::AddNotify(internal::EventDraft& d) const {
  std::shared_ptr<const Catalog> catalog = Current();
  if (!catalog || catalog->recipients.empty() || d.subject.empty()) return;
  const int64_t now = clock();
  auto tell = [&](const Purpose& p) {
    for (const Recipient& r : p.recipients) {
      const CatalogRecipient* c = r.id.empty() ? nullptr : catalog->FindRecipient(r.id);
      if (!c || std::any_of(d.notify.begin(), d.notify.end(), [&](const auto& n) { return n.recipient == c->id; })) {
        continue;
      }
      d.notify.push_back({c->id, c->delivery == DeliveryMethod::kWebhook});
    }
  };
  // The subject's latest word on `p` is a yes: its data may be flowing.
  auto flowing = [&](const Purpose& p) { return DecidePurpose(d.subject, p.id, now).withdrawable; };
  const Purpose* named = d.purpose.empty() ? nullptr : catalog->FindPurpose(d.purpose);
  switch (d.action) {
    case Action::kGrant:
      if (named) tell(*named);
      break;
    case Action::kWithdraw:
      if (named && flowing(*named)) tell(*named);
      break;
    case Action::kSignal:
      for (const Purpose& p : catalog->purposes) {
        if (p.sale_or_share && flowing(p)) tell(p);
      }
      break;
    case Action::kErase:
      // Whoever may hold the subject's data: every recipient of a necessary
      // purpose, and of each purpose the subject ever said yes to.
      for (const Purpose& p : catalog->purposes) {
        const Reason reason = DecidePurpose(d.subject, p.id, now).decision.reason;
        if (p.basis == Basis::kNecessary || reason != Reason::kNoConsent) tell(p);
      }
      break;
    default:
      break;
  }
}

Result<size_t> Engine::TellLapses() {
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  if (!catalog || catalog->recipients.empty()) return size_t{0};
  uint64_t after_seq = 0;
  int64_t after_time = 0;
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> told, impl_->store->GetSetting(kLapsesTold));
  if (told) std::istringstream(*told) >> after_seq >> after_time;
  const uint64_t seq = impl_->index.last_seq();
  const int64_t now = impl_->clock();
  std::vector<DeliveryRow> rows;
  for (const internal::Index::Lapse& lapse : impl_->index.LapsesSince(after_seq, after_time, now)) {
    const Purpose* p = catalog->FindPurpose(lapse.purpose);
    if (!p) continue;
    for (const Recipient& named : p->recipients) {
      const CatalogRecipient* r = named.id.empty() ? nullptr : catalog->FindRecipient(named.id);
      if (!r) continue;
      const bool push = r->delivery == DeliveryMethod::kWebhook;
      DeliveryRow row;
      row.id = std::to_string(lapse.grant_seq) + "." + r->id + ".lapsed";
      row.recipient = r->id;
      row.seq = seq;  // told after everything the recipient was told before
      row.subject = lapse.subject;
      row.subject_ref = impl_->writer->SubjectRef(lapse.subject);
      row.kind = "lapse";
      row.purpose = lapse.purpose;
      row.created = now;
      row.needs_ack = true;
      row.state = push ? "pending" : "delivered";
      row.next_attempt = now;
      row.delivered = push ? 0 : now;
      rows.push_back(std::move(row));
    }
  }
  // Nothing found: the next look covers this window again, at no cost but
  // the look itself; so the store is written only when there is news (or
  // once an hour, to keep the window short).
  if (rows.empty() && now - after_time < kLapseWindow) return size_t{0};
  if (!rows.empty()) OPTIN_RETURN_IF_ERROR(impl_->store->AddDeliveries(rows));
  OPTIN_RETURN_IF_ERROR(impl_->store->PutSetting(kLapsesTold, std::to_string(seq) + " " + std::to_string(now)));
  return rows.size();
}

Result<std::vector<WebhookSecret>> Engine::Impl::StoredSecrets(std::string_view recipient) {
  std::shared_ptr<const Catalog> catalog = Current();
  const CatalogRecipient* r = catalog ? catalog->FindRecipient(recipient) : nullptr;
  if (!r) return NotFoundError("no recipient `" + std::string(recipient) + "` is in the catalog in force");
  if (r->delivery != DeliveryMethod::kWebhook) {
    return FailedPreconditionError("recipient `" + std::string(recipient) + "` is told by `" +
                                   std::string(DeliveryMethodName(r->delivery)) + "`, not by webhook: it has no secret");
  }
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> text, store->GetSetting(SecretsSetting(recipient)));
  return text ? ParseSecrets(*text) : std::vector<WebhookSecret>{};
}

Result<std::vector<WebhookSecret>> Engine::WebhookSecrets(std::string_view recipient) {
  OPTIN_ASSIGN_OR_RETURN(std::vector<WebhookSecret> all, impl_->StoredSecrets(recipient));
  const int64_t now = impl_->clock();
  std::erase_if(all, [&](const WebhookSecret& s) { return s.retires != 0 && s.retires <= now; });
  return all;
}

Result<WebhookSecret> Engine::CurrentWebhookSecret(std::string_view recipient) {
  OPTIN_ASSIGN_OR_RETURN(std::vector<WebhookSecret> all, impl_->StoredSecrets(recipient));
  if (!all.empty() && all.front().retires == 0) return all.front();
  return RotateWebhookSecret(recipient, 0);
}

Result<WebhookSecret> Engine::RotateWebhookSecret(std::string_view recipient, int64_t overlap_micros) {
  if (overlap_micros < 0) return InvalidArgumentError("the overlap of two secrets cannot be negative");
  OPTIN_ASSIGN_OR_RETURN(std::vector<WebhookSecret> all, impl_->StoredSecrets(recipient));
  const int64_t now = impl_->clock();
  WebhookSecret fresh{.secret = recipients::NewWebhookSecret(), .created = now, .retires = 0};
  std::vector<WebhookSecret> kept{fresh};
  // The one that was current signs on for the overlap; the rest stop now.
  if (!all.empty() && all.front().retires == 0 && overlap_micros > 0) {
    WebhookSecret previous = all.front();
    previous.retires = now + overlap_micros;
    kept.push_back(previous);
  }
  OPTIN_RETURN_IF_ERROR(impl_->store->PutSetting(SecretsSetting(recipient), FormatSecrets(kept)));
  return fresh;
}

}  // namespace optin
