// `optin recipients`: who receives customers' data, as the catalog in force
// declares them, and the signing secrets of those told by webhook.
#include <iostream>

#include "src/cli/cli.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"

namespace optin::cli {
namespace {

Result<std::shared_ptr<const Catalog>> CatalogInForce(Engine& engine) {
  std::shared_ptr<const Catalog> catalog = engine.catalog();
  if (!catalog) return FailedPreconditionError("no catalog has been published yet; run `optin catalog publish FILE`");
  return catalog;
}

Result<const CatalogRecipient*> Find(const Catalog& catalog, const std::string& id) {
  if (const CatalogRecipient* r = catalog.FindRecipient(id)) return r;
  std::string known;
  for (const CatalogRecipient& r : catalog.recipients) known += (known.empty() ? "" : ", ") + r.id;
  return NotFoundError("no recipient `" + id + "` is in the catalog in force (" +
                       (known.empty() ? "it has no `recipients` section" : "it has " + known) + ")");
}

void WriteRecipient(JsonWriter& w, const Catalog& catalog, const CatalogRecipient& r) {
  w.BeginObject().Key("id").String(r.id).Key("legal_name").String(r.legal_name).Key("name").BeginObject();
  for (const auto& [locale, text] : r.name) w.Key(locale).String(text);
  w.EndObject().Key("role").String(r.role).Key("country").String(r.country);
  w.Key("purposes").BeginArray();
  for (const std::string& id : r.purposes) {
    w.BeginObject().Key("id").String(id).Key("data");
    const Purpose* p = catalog.FindPurpose(id);
    w.Strings(p ? ReceivedData(r, *p) : std::vector<std::string>{}).EndObject();
  }
  w.EndArray().Key("delivery").String(DeliveryMethodName(r.delivery)).Key("url");
  if (r.url.empty()) w.Null();
  else w.String(r.url);
  w.Key("ack_within").String(r.ack_within).EndObject();
}

std::string Listed(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

CommandResult RunRecipientsList(const Globals& g, bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CatalogInForce(*engine));
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("recipients").BeginArray();
    for (const CatalogRecipient& r : catalog->recipients) WriteRecipient(w, *catalog, r);
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  if (catalog->recipients.empty()) {
    std::cout << "the catalog in force declares no recipients (docs/catalog.md, `recipients`)\n";
    return kExitOk;
  }
  for (const CatalogRecipient& r : catalog->recipients) {
    std::cout << r.id << "  " << r.legal_name << "  (" << r.role << ", " << r.country << ", told by "
              << DeliveryMethodName(r.delivery) << ")  purposes: " << Listed(r.purposes) << "\n";
  }
  return kExitOk;
}

CommandResult RunRecipientsShow(const Globals& g, const std::string& id, bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CatalogInForce(*engine));
  OPTIN_ASSIGN_OR_RETURN(const CatalogRecipient* r, Find(*catalog, id));
  if (json) {
    JsonWriter w;
    WriteRecipient(w, *catalog, *r);
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  std::cout << r->id << ": " << r->legal_name << "\n  role: " << r->role << "\n  country: " << r->country << "\n";
  for (const auto& [locale, text] : r->name) std::cout << "  name (" << locale << "): " << text << "\n";
  for (const std::string& purpose : r->purposes) {
    const Purpose* p = catalog->FindPurpose(purpose);
    std::cout << "  receives " << purpose << ": " << (p ? Listed(ReceivedData(*r, *p)) : "") << "\n";
  }
  std::cout << "  told by: " << DeliveryMethodName(r->delivery) << (r->url.empty() ? "" : " " + r->url)
            << "\n  confirms within: " << r->ack_within << "\n";
  return kExitOk;
}

CommandResult RunRecipientsStatus(const Globals& g, bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CatalogInForce(*engine));
  OPTIN_ASSIGN_OR_RETURN(std::vector<RecipientStatus> all, engine->RecipientsStatus());
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("recipients").BeginArray();
    for (const RecipientStatus& r : all) WriteRecipientStatus(w, r);
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  auto duration = [](int64_t micros) { return micros < 0 ? std::string("-") : std::to_string(micros / 1'000'000) + " s"; };
  for (const RecipientStatus& r : all) {
    std::cout << r.recipient << " (" << r.delivery << "): " << r.pending << " pending, " << r.unconfirmed
              << " unconfirmed, " << r.overdue << " overdue, " << r.failed << " failed, " << r.confirmed
              << " confirmed; to confirmation p50 " << duration(r.p50_confirm_micros) << ", p99 "
              << duration(r.p99_confirm_micros) << (r.last_error.empty() ? "" : "; last error: " + r.last_error)
              << "\n";
  }
  if (all.empty()) std::cout << "the catalog in force declares no recipients\n";
  return kExitOk;
}

CommandResult RunRecipientsSecret(const Globals& g, const std::string& id, bool rotate, const std::string& overlap,
                                  bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CatalogInForce(*engine));
  OPTIN_RETURN_IF_ERROR(Find(*catalog, id).status());
  Result<WebhookSecret> secret = InternalError("no secret");
  if (rotate) {
    OPTIN_ASSIGN_OR_RETURN(IsoDuration d, ParseIsoDuration(overlap));
    const int64_t now = engine->Now();
    secret = engine->RotateWebhookSecret(id, AddDuration(now, d) - now);
  } else {
    secret = engine->CurrentWebhookSecret(id);
  }
  OPTIN_RETURN_IF_ERROR(secret.status());
  if (!json) {
    std::cout << secret->secret << "\n";
    return kExitOk;
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<WebhookSecret> signing, engine->WebhookSecrets(id));
  JsonWriter w;
  w.BeginObject().Key("recipient").String(id).Key("secret").String(secret->secret);
  w.Key("created").String(FormatRfc3339(secret->created)).Key("signing").BeginArray();
  for (const WebhookSecret& s : signing) {
    w.BeginObject().Key("created").String(FormatRfc3339(s.created)).Key("retires");
    if (s.retires == 0) w.Null();
    else w.String(FormatRfc3339(s.retires));
    w.EndObject();
  }
  w.EndArray().EndObject();
  std::cout << w.str() << "\n";
  return kExitOk;
}

}  // namespace optin::cli
