// Deliveries to the recipients of customers' data: sending the due ones as
// signed webhooks with retries, recording recipients' confirmations, and
// how each recipient stands (docs/recipients.md).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/engine_impl.h"
#include "src/recipients/webhook_signature.h"

namespace optin {
namespace {

constexpr int64_t kSecond = 1'000'000;
// Retries: from 30 s, doubling, at most 6 h apart, for 72 h after the change.
constexpr int64_t kFirstRetry = 30 * kSecond;
constexpr int64_t kLongestRetry = 6 * 3600 * kSecond;
constexpr int64_t kGiveUpAfter = 72 * 3600 * kSecond;
// A confirmation may say it happened a little in the future (clock skew).
constexpr int64_t kClockSkew = 300 * kSecond;

// DO NOT CHANGE: the `type` of each kind of delivery (docs/recipients.md).
std::string_view TypeOf(std::string_view kind) {
  if (kind == "grant") return "consent.granted";
  if (kind == "withdraw") return "consent.withdrawn";
  if (kind == "signal") return "consent.gpc_opt_out";
  if (kind == "erase") return "subject.erased";
  if (kind == "lapse") return "consent.lapsed";
  return "consent.changed";
}

// The recipient's time to confirm a delivery, from the catalog in force
// (P1D for a recipient it no longer names).
int64_t DueAt(const Catalog* catalog, const DeliveryRow& d) {
  if (!d.needs_ack) return 0;
  const CatalogRecipient* r = catalog ? catalog->FindRecipient(d.recipient) : nullptr;
  Result<IsoDuration> within = ParseIsoDuration(r ? r->ack_within : "P1D");
  return within.ok() ? AddDuration(d.created, *within) : d.created + 86400 * kSecond;
}

Delivery Shown(const Catalog* catalog, DeliveryRow row, int64_t now) {
  Delivery out;
  out.due = DueAt(catalog, row);
  out.overdue = row.needs_ack && row.confirmed == 0 && row.state != "superseded" && out.due != 0 && now > out.due;
  out.row = std::move(row);
  return out;
}

// Random in [0.8, 1.2]: spreads the retries of many deliveries.
double Jitter() {
  SecretKey r = RandomKey();
  return 0.8 + 0.4 * (static_cast<double>(r[0] << 8 | r[1]) / 65535.0);
}

int64_t Percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

uint64_t ToldOf(const DeliveryRow& d) {
  if (d.kind != "lapse") return d.seq;
  return std::strtoull(d.id.c_str(), nullptr, 10);
}

std::string DeliveryBody(const DeliveryRow& d, int64_t due) {
  JsonWriter w;
  w.BeginObject().Key("type").String(TypeOf(d.kind)).Key("timestamp").String(FormatRfc3339(d.created));
  w.Key("data").BeginObject().Key("delivery").String(d.id).Key("recipient").String(d.recipient);
  w.Key("seq").Uint(d.seq).Key("subject").String(d.subject).Key("action").String(d.kind).Key("purpose");
  if (d.purpose.empty()) w.Null();
  else w.String(d.purpose);
  w.Key("confirm").Bool(d.needs_ack).Key("confirm_by");
  if (due == 0) w.Null();
  else w.String(FormatRfc3339(due));
  w.EndObject().EndObject();
  return std::move(w).Take();
}

Result<std::vector<Delivery>> Engine::ConfirmDeliveries(std::string_view recipient,
                                                        std::span<const DeliveryAck> acks) {
  const int64_t now = impl_->clock();
  for (const DeliveryAck& a : acks) {
    if (a.action != "stopped" && a.action != "deleted") {
      return InvalidArgumentError("delivery `" + a.delivery + "`: `action` is `stopped` or `deleted`, not `" +
                                  a.action + "`");
    }
    if (a.at > now + kClockSkew) {
      return InvalidArgumentError("delivery `" + a.delivery + "`: `at` " + FormatRfc3339(a.at) + " is in the future");
    }
  }
  // Every id first, so that one unknown id records nothing.
  std::vector<std::string> known;
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanDeliveries(recipient, "", [&](const DeliveryRow& d) {
    known.push_back(d.id);
    return OkStatus();
  }));
  for (const DeliveryAck& a : acks) {
    if (std::find(known.begin(), known.end(), a.delivery) == known.end()) {
      return NotFoundError("recipient `" + std::string(recipient) + "` has no delivery `" + a.delivery + "`");
    }
  }
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  std::vector<Delivery> out;
  for (const DeliveryAck& a : acks) {
    OPTIN_ASSIGN_OR_RETURN(DeliveryRow row,
                           impl_->store->ConfirmDelivery(recipient, a.delivery, a.action, a.at == 0 ? now : a.at, now));
    out.push_back(Shown(catalog.get(), std::move(row), now));
  }
  return out;
}

Result<std::vector<Delivery>> Engine::SubjectDeliveries(std::string_view subject) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  const int64_t now = impl_->clock();
  std::vector<Delivery> out;
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanDeliveries("", impl_->writer->SubjectRef(subject), [&](const DeliveryRow& d) {
    out.push_back(Shown(catalog.get(), d, now));
    return OkStatus();
  }));
  return out;
}

Result<std::vector<RecipientStatus>> Engine::RecipientsStatus() {
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  std::vector<RecipientStatus> out;
  if (!catalog) return out;
  const int64_t now = impl_->clock();
  for (const CatalogRecipient& r : catalog->recipients) {
    RecipientStatus s;
    s.recipient = r.id;
    s.delivery = std::string(DeliveryMethodName(r.delivery));
    std::vector<int64_t> times;
    int64_t last_error_seq = -1;
    OPTIN_RETURN_IF_ERROR(impl_->store->ScanDeliveries(r.id, "", [&](const DeliveryRow& d) {
      const Delivery shown = Shown(catalog.get(), d, now);
      if (d.state == "pending") ++s.pending;
      if (d.state == "failed") ++s.failed;
      if (d.confirmed != 0) {
        ++s.confirmed;
        times.push_back(d.confirmed - d.created);
      } else if (d.needs_ack && (d.state == "delivered" || d.state == "pending")) {
        if (d.state == "delivered") ++s.unconfirmed;
        if (shown.overdue) ++s.overdue;
      }
      if (!d.last_error.empty() && static_cast<int64_t>(d.seq) > last_error_seq) {
        last_error_seq = static_cast<int64_t>(d.seq);
        s.last_error = d.last_error;
      }
      return OkStatus();
    }));
    s.p50_confirm_micros = Percentile(times, 0.50);
    s.p99_confirm_micros = Percentile(times, 0.99);
    out.push_back(std::move(s));
  }
  return out;
}

Result<size_t> Engine::DeliverDue(const WebhookSender& send, size_t limit, int64_t lease_micros) {
  const int64_t start = impl_->clock();
  OPTIN_ASSIGN_OR_RETURN(std::vector<DeliveryRow> due, impl_->store->ClaimDeliveries(start, lease_micros, limit));
  std::shared_ptr<const Catalog> catalog = impl_->Current();
  struct SigningKeys {
    std::vector<std::string> keys;
    std::string error;  // why there are none
  };
  std::map<std::string, SigningKeys> keys_of;
  for (DeliveryRow& d : due) {
    const CatalogRecipient* r = catalog ? catalog->FindRecipient(d.recipient) : nullptr;
    ++d.attempts;
    SendOutcome outcome;
    if (!r || r->delivery != DeliveryMethod::kWebhook) {
      outcome.error = "recipient `" + d.recipient + "` is no longer told by webhook in the catalog in force";
      d.state = "failed";
    } else {
      // Each recipient's keys are read once per claim.
      auto found = keys_of.find(d.recipient);
      if (found == keys_of.end()) {
        Result<std::vector<WebhookSecret>> secrets = WebhookSecrets(d.recipient);
        SigningKeys k;
        if (secrets.ok()) {
          for (const WebhookSecret& s : *secrets) {
            if (Result<std::string> key = recipients::WebhookKey(s.secret); key.ok()) k.keys.push_back(*key);
          }
        }
        if (k.keys.empty()) {
          k.error = secrets.ok() ? "no signing secret: run `optin recipients secret " + d.recipient + "`"
                                 : secrets.status().message();
        }
        found = keys_of.emplace(d.recipient, std::move(k)).first;
      }
      const std::vector<std::string>& keys = found->second.keys;
      if (keys.empty()) {
        outcome.error = found->second.error;
      } else {
        const std::string body = DeliveryBody(d, DueAt(catalog.get(), d));
        const int64_t seconds = impl_->clock() / kSecond;
        outcome = send(r->url,
                       {{"content-type", "application/json"},
                        {"webhook-id", d.id},
                        {"webhook-timestamp", std::to_string(seconds)},
                        {"webhook-signature", recipients::SignWebhook(keys, d.id, seconds, body)}},
                       body);
      }
    }
    const int64_t now = impl_->clock();
    const int code = outcome.http_status;
    d.last_error = outcome.error.substr(0, 1024);
    if (d.state == "failed") {
      // Refused before sending: nothing more to try.
    } else if (code >= 200 && code < 300) {
      d.state = "delivered";
      d.delivered = now;
      d.last_error.clear();
    } else if (code == 0 || code == 408 || code == 429 || code >= 500) {
      if (d.last_error.empty()) d.last_error = "HTTP " + std::to_string(code);
      const double backoff = static_cast<double>(kFirstRetry) * std::pow(2.0, std::min(d.attempts - 1, 20));
      int64_t wait = static_cast<int64_t>(std::min(backoff, static_cast<double>(kLongestRetry)) * Jitter());
      if (outcome.retry_after > 0) wait = std::min(outcome.retry_after, kLongestRetry);
      d.next_attempt = now + wait;
      if (now - d.created > kGiveUpAfter) {
        d.state = "failed";
        d.last_error = "gave up after 72 hours; last: " + d.last_error;
      }
    } else {
      d.state = "failed";
      d.last_error = "HTTP " + std::to_string(code) + (d.last_error.empty() ? "" : ": " + d.last_error);
    }
  }
  // One transaction for the claim's outcomes. A process that dies before it
  // leaves them to be sent again once the claim runs out: at least once.
  OPTIN_RETURN_IF_ERROR(impl_->store->FinishDeliveries(due));
  return due.size();
}

}  // namespace optin
