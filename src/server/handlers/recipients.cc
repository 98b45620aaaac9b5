// Recipients of customers' data: their confirmations that they acted on a
// delivery, how each stands, and what a customer was told of them.
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"
#include "src/server/request.h"

namespace optin::server {
namespace {

// Most confirmations one request may carry.
constexpr size_t kMaxAcks = 1000;

Result<std::vector<DeliveryAck>> ReadAcks(const json::Value& body) {
  std::vector<DeliveryAck> acks;
  OPTIN_RETURN_IF_ERROR(body.ForEachMember([&](std::string_view key, const json::Value& v) -> Status {
    if (key != "acks") return v.UnknownKey();
    const std::optional<size_t> n = v.ListSize();
    if (n && *n > kMaxAcks) return v.Error("holds " + std::to_string(*n) + " confirmations; at most 1000 at a time");
    if (n && *n == 0) return v.Error("must hold at least one confirmation");
    return v.ForEachItem([&](const json::Value& item) -> Status {
      DeliveryAck a;
      OPTIN_RETURN_IF_ERROR(item.ForEachMember([&](std::string_view k, const json::Value& f) -> Status {
        if (k == "delivery" || k == "action") {
          OPTIN_ASSIGN_OR_RETURN(std::string text, f.String());
          (k == "delivery" ? a.delivery : a.action) = std::move(text);
          return OkStatus();
        }
        if (k != "at") return f.UnknownKey();
        OPTIN_ASSIGN_OR_RETURN(a.at, f.Time());
        return OkStatus();
      }));
      if (a.delivery.empty()) return item.Error("needs `delivery`: the id the webhook came with (`webhook-id`)");
      if (a.action.empty()) return item.Error("needs `action`: `stopped` or `deleted`");
      acks.push_back(std::move(a));
      return OkStatus();
    });
  }));
  if (acks.empty()) return InvalidArgumentError("the body needs `acks`: a list of {delivery, action, at}");
  return acks;
}

}  // namespace

HttpResponse Acks(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  Result<std::vector<DeliveryAck>> acks = ReadAcks(*doc);
  if (!acks.ok()) return ErrorResponse(acks.status());
  Result<std::vector<Delivery>> done = s.engine.ConfirmDeliveries(call.subject, *acks);
  if (!done.ok()) return ErrorResponse(done.status());
  JsonWriter w;
  w.BeginObject().Key("recipient").String(call.subject).Key("acks").BeginArray();
  for (const Delivery& d : *done) {
    w.BeginObject().Key("delivery").String(d.row.id).Key("action").String(d.row.confirmed_action);
    w.Key("at").String(FormatRfc3339(d.row.confirmed_at)).Key("confirmed").String(FormatRfc3339(d.row.confirmed));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

HttpResponse RecipientsStatusOf(Services& s, const Call&) {
  Result<std::vector<RecipientStatus>> all = s.engine.RecipientsStatus();
  if (!all.ok()) return ErrorResponse(all.status());
  JsonWriter w;
  w.BeginObject().Key("recipients").BeginArray();
  for (const RecipientStatus& r : *all) WriteRecipientStatus(w, r);
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

HttpResponse SubjectDeliveries(Services& s, const Call& call) {
  Result<std::vector<Delivery>> all = s.engine.SubjectDeliveries(call.subject);
  if (!all.ok()) return ErrorResponse(all.status());
  std::shared_ptr<const Catalog> catalog = s.engine.catalog();
  const std::string locale = RequestLocale(s.engine, call.request);
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("deliveries").BeginArray();
  for (const Delivery& d : *all) WriteDelivery(w, catalog.get(), d, locale);
  w.EndArray().EndObject();
  return Json(std::move(w).Take());
}

std::string RecipientMetrics(const std::vector<RecipientStatus>& recipients) {
  if (recipients.empty()) return "";
  std::string out;
  auto gauge = [&](std::string_view name, std::string_view help, size_t RecipientStatus::*field) {
    out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) + " gauge\n";
    for (const RecipientStatus& r : recipients) {
      out += std::string(name) + "{recipient=\"" + r.recipient + "\"} " + std::to_string(r.*field) + "\n";
    }
  };
  gauge("optin_recipient_overdue", "Changes a recipient has not confirmed within its ack_within.",
        &RecipientStatus::overdue);
  gauge("optin_recipient_pending", "Webhooks still to be sent to a recipient.", &RecipientStatus::pending);
  gauge("optin_recipient_failed", "Deliveries a recipient refused for good.", &RecipientStatus::failed);
  return out;
}

}  // namespace optin::server
