// What several handlers share.
#include "src/catalog/locale.h"
#include "src/server/authorize.h"
#include "src/server/handlers/handlers.h"
#include "src/server/request.h"

namespace optin::server {

HttpResponse Json(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

WriteContext WriterFor(const Principal& who) {
  WriteContext context;
  context.channel = RecordingChannel(who, "").value_or("api");
  context.actor = who.IsCustomer() ? "customer" : "key:" + who.name;
  return context;
}

std::string RequestLocale(Engine& engine, const HttpRequest& request) {
  auto catalog = engine.catalog();
  if (!catalog) return "";
  return PickLocale(*catalog, QueryParam(request.query, "locale"), request.accept_language);
}

void WriteReceipt(JsonWriter& w, const std::vector<std::string>& receipts, std::string_view error) {
  if (!error.empty() || receipts.empty()) {
    w.Key("receipt").Null().Key("receipt_error").String(error);
    return;
  }
  w.Key("receipt").Raw(receipts.front());
}

void WriteReceipts(JsonWriter& w, const std::vector<std::string>& receipts, std::string_view error) {
  if (!error.empty()) {
    w.Key("receipts").Null().Key("receipt_error").String(error);
    return;
  }
  w.Key("receipts").BeginArray();
  for (const std::string& r : receipts) w.Raw(r);
  w.EndArray();
}

}  // namespace optin::server
