// What several handlers share.
#include "src/catalog/locale.h"
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
  context.channel = who.IsCustomer() ? "web" : "api";
  context.actor = who.IsCustomer() ? "customer" : "key:" + who.name;
  return context;
}

std::string RequestLocale(Engine& engine, const HttpRequest& request) {
  auto catalog = engine.catalog();
  if (!catalog) return "";
  return PickLocale(*catalog, QueryParam(request.query, "locale"), request.accept_language);
}

Result<std::string> ReceiptsArray(Services& s, const Call& call, std::span<const uint64_t> seqs) {
  OPTIN_ASSIGN_OR_RETURN(std::vector<std::string> receipts,
                         s.engine.Receipts(call.subject, seqs, RequestLocale(s.engine, call.request)));
  std::string out = "[";
  for (const std::string& r : receipts) out += (out.size() > 1 ? "," : "") + r;
  return out + "]";
}

void WriteReceipt(JsonWriter& w, const std::vector<std::string>& receipts, std::string_view error) {
  if (!error.empty() || receipts.empty()) {
    w.Key("receipt").Null().Key("receipt_error").String(error);
    return;
  }
  w.Key("receipt").Raw(receipts.front());
}

}  // namespace optin::server
