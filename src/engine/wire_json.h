// File: src/engine/wire_json.h
//
// The JSON shapes that the CLI (`--json`) and the HTTP API share, written in
// one place so that they cannot drift apart (docs/cli.md, docs/api.md).
#ifndef OPTIN_ENGINE_WIRE_JSON_H_
#define OPTIN_ENGINE_WIRE_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "optin/engine.h"
#include "src/common/json_writer.h"

namespace optin {

// `"allowed":…,"reason":…,"event":…` (event null when 0) into an open object.
void WriteDecisionFields(JsonWriter& w, const Decision& d);
// One purpose's decision: `purpose`, the decision's fields, `withdrawable`
// and `expires_at` (RFC 3339 or null); as keys of the object `w` has open,
// or as an object of its own.
void WritePurposeDecisionFields(JsonWriter& w, const PurposeDecision& d);
void WritePurposeDecision(JsonWriter& w, const PurposeDecision& d);
// {"subject","purposes":[{"purpose","allowed","reason","event","withdrawable","expires_at"}]}
std::string DecisionsJson(std::string_view subject, const std::vector<PurposeDecision>& decisions);
// {"subject","events":[{"seq","time","purpose","action","notice","channel"}]}
std::string HistoryJson(std::string_view subject, const std::vector<HistoryEntry>& history);

// {"subject","exported","locale","decisions":[{"purpose","allowed","reason",
// "event","withdrawable","expires_at"}],"events":[…as HistoryJson],"notices":[{"version","purpose","title",
// "text"}],"receipts":[receipt files]}
std::string ExportJson(const SubjectExport& e);

// `optin catalog history --json`: {"publications":[{"seq","time","actor",
// "added","changed","editorial","removed","texts":[{"purpose","field",
// "locale","diff"}]}]}.
std::string PublicationsJson(const std::vector<PublicationRecord>& publications);
// {"key_id","algorithm":"Ed25519","public_key" (base64),"public_key_pem",
// "retired_keys":[{"key_id","public_key","retired"}]}: the signing key first.
std::string LogKeysJson(const std::vector<LogPublicKey>& keys);
// {"url","token","expires"}: a preference-center link (`optin link --json`,
// POST /v1/subjects/{id}/link).
std::string LinkJson(const PreferenceLink& link);
// `{"url","token","purpose","expires","headers":{"List-Unsubscribe",
// "List-Unsubscribe-Post"}}`: the two headers as the e-mail carries them.
std::string UnsubscribeLinkJson(const UnsubscribeLink& link);
// `{"recipient","delivery","pending","unconfirmed","overdue","failed",
// "confirmed","p50_confirm_seconds","p99_confirm_seconds","last_error"}`
// (`optin recipients status --json`, GET /v1/recipients).
void WriteRecipientStatus(JsonWriter& w, const RecipientStatus& r);
// `{"delivery","recipient","name","action","purpose","event","time","state",
// "told","confirm","due","overdue","confirmed","confirmed_action",
// "stopped_at"}`: what a recipient was told of a subject's change, with its
// name in `locale` (GET /v1/subjects/{id}/deliveries, the export).
void WriteDelivery(JsonWriter& w, const Catalog* catalog, const Delivery& d, std::string_view locale);
// How one UsageDays reads in `locale`: the purpose's title, who used the
// data (the organization, for the company's own use), and the titles of the
// data categories that recipient receives.
struct UsageWords {
  std::string title;
  std::string name;
  std::vector<std::string> data;
};
UsageWords DescribeUsage(const Catalog* catalog, const UsageDays& u, std::string_view locale);
// `{"subject","locale","usage":[{"purpose","title","recipient","name","data",
// "days","months":[{"month","days"}]}]}`: who used the subject's data for
// what, on which days (dates `YYYY-MM-DD`, UTC), with the texts in `locale`
// (GET /v1/subjects/{id}/usage, `optin usage show --json`, the export).
// `recipient` is null, and `name` the organization's, for the company's own
// use; `data` the titles of the categories that recipient receives.
void WriteUsageFields(JsonWriter& w, const Catalog* catalog, const std::vector<UsageDays>& usage,
                      std::string_view locale);
std::string UsageJson(std::string_view subject, const Catalog* catalog, const std::vector<UsageDays>& usage,
                      std::string_view locale);
// `{"since","denied":[{"day","purpose","recipient","reason","count"}]}`
// (GET /v1/usage/denied, `optin usage denied --json`); purpose and
// recipient null when empty.
std::string DeniedChecksJson(int64_t since, const std::vector<DeniedCountRow>& denied);
// The start (UTC midnight) of the last `days` days up to `now`'s: 1 is
// `now`'s day alone.
int64_t DaysBack(int64_t now, uint64_t days);
// A day since the Unix epoch as `YYYY-MM-DD` (UTC).
std::string DayText(int32_t day);

// The PEM (SubjectPublicKeyInfo) form of a raw Ed25519 public key, as
// `openssl pkeyutl -verify -pubin` reads it.
std::string Ed25519PublicKeyPem(std::string_view public_key);

}  // namespace optin

#endif  // OPTIN_ENGINE_WIRE_JSON_H_
