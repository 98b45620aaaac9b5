// File: src/server/handlers/handlers.h
//
// The handlers of the HTTP API, one file per resource: check.cc (decisions),
// consents.cc (a subject's consents and history), subject.cc (signals,
// receipts, export, links, erasure), unsubscribe.cc (one-click e-mail
// opt-out), recipients.cc (confirmations, deliveries, how recipients stand),
// usage.cc (who used a subject's data, and denied checks), embed.cc (the website embed), log.cc (the verifiable log), service.cc (health, metrics,
// notices, GPC, the change feed, the page and its files, the session). Each receives a request the router has matched, authorised
// and decoded (src/server/routes.cc), calls the engine and writes JSON; the
// router labels the response with its route.
//
// Thread-safety: handlers may run on many threads at once.
#ifndef OPTIN_SERVER_HANDLERS_HANDLERS_H_
#define OPTIN_SERVER_HANDLERS_HANDLERS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "optin/engine.h"
#include "src/common/json_writer.h"
#include "src/server/auth.h"
#include "src/server/http.h"
#include "src/server/metrics.h"

namespace optin::server {

// Most checks one /v1/check/batch request may carry.
constexpr size_t kMaxBatchChecks = 10'000;

// What every handler may use.
struct Services {
  Engine& engine;
  Metrics& metrics;
  const std::string& base_url;  // prefixes preference-center links
  const bool& demo_shop;        // /demo/shop is served (`optin serve --demo-shop`)
};

// One request, as the router hands it over.
struct Call {
  const HttpRequest& request;
  const Principal& who;  // unauthenticated on public routes
  // `{id}` of the path, decoded and a valid subject id; for the session,
  // the subject of the link token.
  std::string subject;
  std::string purpose;    // `{purpose}` of the path, decoded
  std::string property;   // `{property}` of the path, decoded
  // `{token*}` or `{file*}`: the rest of the path, as sent; `{name}` (the
  // last segment): that segment.
  std::string_view rest;
};

using Handler = HttpResponse (*)(Services& s, const Call& call);

// A 200 (or `status`) response with a JSON body.
HttpResponse Json(std::string body, int status = 200);
// Who recorded a change made through the API: a customer's link records
// channel `web`, a key channel `api`.
WriteContext WriterFor(const Principal& who);
// The locale to answer in: `?locale=`, else Accept-Language, else the
// catalog's first ("" before the first publication).
std::string RequestLocale(Engine& engine, const HttpRequest& request);
// The `receipt` of a change that is recorded (its only one); when it could
// not be made (the store briefly unreachable), null and why, for the change
// stands and must not be reported as failed (GET …/receipts has it).
void WriteReceipt(JsonWriter& w, const std::vector<std::string>& receipts, std::string_view error);
// The same for `receipts`, a list: one per change recorded.
void WriteReceipts(JsonWriter& w, const std::vector<std::string>& receipts, std::string_view error);

// check.cc
HttpResponse Check(Services& s, const Call& call);
HttpResponse CheckBatch(Services& s, const Call& call);
// consents.cc
HttpResponse Consents(Services& s, const Call& call);
HttpResponse WithdrawAll(Services& s, const Call& call);
HttpResponse Grant(Services& s, const Call& call);
HttpResponse Withdraw(Services& s, const Call& call);
HttpResponse History(Services& s, const Call& call);
// subject.cc
HttpResponse SubjectSignals(Services& s, const Call& call);
HttpResponse RecordSignal(Services& s, const Call& call);
HttpResponse Receipts(Services& s, const Call& call);
HttpResponse Export(Services& s, const Call& call);
HttpResponse Link(Services& s, const Call& call);
// recipients.cc
HttpResponse Acks(Services& s, const Call& call);
HttpResponse RecipientsStatusOf(Services& s, const Call& call);
HttpResponse SubjectDeliveries(Services& s, const Call& call);
// The Prometheus gauges optin_recipient_overdue, _pending and _failed.
std::string RecipientMetrics(const std::vector<RecipientStatus>& recipients);
// usage.cc
HttpResponse SubjectUsage(Services& s, const Call& call);
HttpResponse DeniedChecks(Services& s, const Call& call);
// unsubscribe.cc
HttpResponse UnsubscribeLinkFor(Services& s, const Call& call);
HttpResponse UnsubscribeAsk(Services& s, const Call& call);
HttpResponse UnsubscribeOneClick(Services& s, const Call& call);
HttpResponse Erase(Services& s, const Call& call);
// log.cc
HttpResponse LogHead(Services& s, const Call& call);
HttpResponse LogKeys(Services& s, const Call& call);
HttpResponse InclusionProofOf(Services& s, const Call& call);
HttpResponse ConsistencyProofOf(Services& s, const Call& call);
// service.cc
HttpResponse Health(Services& s, const Call& call);
HttpResponse MetricsText(Services& s, const Call& call);
HttpResponse OpenApiDocument(Services& s, const Call& call);
HttpResponse Purposes(Services& s, const Call& call);
HttpResponse GpcJson(Services& s, const Call& call);
HttpResponse Changes(Services& s, const Call& call);
HttpResponse Session(Services& s, const Call& call);
HttpResponse Page(Services& s, const Call& call);
HttpResponse StaticFile(Services& s, const Call& call);
// embed.cc
HttpResponse EmbedFile(Services& s, const Call& call);
HttpResponse EmbedConfig(Services& s, const Call& call);
HttpResponse EmbedChoice(Services& s, const Call& call);
HttpResponse DemoShop(Services& s, const Call& call);
HttpResponse LinkVisitorTo(Services& s, const Call& call);

}  // namespace optin::server

#endif  // OPTIN_SERVER_HANDLERS_HANDLERS_H_
