#include "src/engine/wire_json.h"

#include <algorithm>

#include "src/catalog/notices_json.h"
#include "src/common/crypto.h"
#include "src/common/time.h"
#include "src/proof/log_key.h"

namespace optin {

void WriteDecisionFields(JsonWriter& w, const Decision& d) {
  w.Key("allowed").Bool(d.allowed).Key("reason").String(ReasonName(d.reason)).Key("event");
  if (d.event) w.Uint(d.event);
  else w.Null();
}

void WritePurposeDecisionFields(JsonWriter& w, const PurposeDecision& d) {
  w.Key("purpose").String(d.purpose);
  WriteDecisionFields(w, d.decision);
  w.Key("withdrawable").Bool(d.withdrawable).Key("expires_at");
  if (d.expires_at != 0) w.String(FormatRfc3339(d.expires_at));
  else w.Null();
}

void WritePurposeDecision(JsonWriter& w, const PurposeDecision& d) {
  w.BeginObject();
  WritePurposeDecisionFields(w, d);
  w.EndObject();
}

std::string DecisionsJson(std::string_view subject, const std::vector<PurposeDecision>& decisions) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("purposes").BeginArray();
  for (const auto& pd : decisions) WritePurposeDecision(w, pd);
  w.EndArray().EndObject();
  return std::move(w).Take();
}

namespace {

void WriteEvents(JsonWriter& w, const std::vector<HistoryEntry>& events) {
  w.BeginArray();
  for (const HistoryEntry& h : events) {
    w.BeginObject().Key("seq").Uint(h.seq).Key("time").String(FormatRfc3339(h.time));
    w.Key("purpose").String(h.purpose).Key("action").String(ActionName(h.action));
    w.Key("notice").String(h.notice).Key("channel").String(h.channel);
    if (h.gpc_conflict_acknowledged) w.Key("gpc_conflict_acknowledged").Bool(true);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string HistoryJson(std::string_view subject, const std::vector<HistoryEntry>& history) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("events");
  WriteEvents(w, history);
  w.EndObject();
  return std::move(w).Take();
}

std::string PublicationsJson(const std::vector<PublicationRecord>& publications) {
  JsonWriter w;
  w.BeginObject().Key("publications").BeginArray();
  for (const PublicationRecord& p : publications) {
    w.BeginObject().Key("seq").Uint(p.seq).Key("time").String(FormatRfc3339(p.time)).Key("actor").String(p.actor);
    w.Key("added").Strings(p.added).Key("changed").Strings(p.changed);
    w.Key("editorial").Strings(p.editorial).Key("removed").Strings(p.removed);
    w.Key("texts").BeginArray();
    for (const TextChange& t : p.texts) {
      w.BeginObject().Key("purpose").String(t.purpose).Key("field").String(t.field);
      w.Key("locale").String(t.locale).Key("diff").String(t.diff).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}

std::string Ed25519PublicKeyPem(std::string_view public_key) {
  // DO NOT CHANGE: the DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
  static constexpr unsigned char kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b,
                                                  0x65, 0x70, 0x03, 0x21, 0x00};
  std::string der(reinterpret_cast<const char*>(kSpkiPrefix), sizeof kSpkiPrefix);
  der.append(public_key);
  return "-----BEGIN PUBLIC KEY-----\n" + Base64(der) + "\n-----END PUBLIC KEY-----\n";
}

std::string LinkJson(const PreferenceLink& link) {
  JsonWriter w;
  w.BeginObject().Key("url").String(link.url).Key("token").String(link.token);
  w.Key("expires").String(FormatRfc3339(link.expires)).EndObject();
  return std::move(w).Take();
}

std::string UnsubscribeLinkJson(const UnsubscribeLink& link) {
  JsonWriter w;
  w.BeginObject().Key("url").String(link.url).Key("token").String(link.token).Key("purpose").String(link.purpose);
  w.Key("expires").String(FormatRfc3339(link.expires));
  w.Key("headers").BeginObject().Key("List-Unsubscribe").String("<" + link.url + ">");
  w.Key("List-Unsubscribe-Post").String("List-Unsubscribe=One-Click").EndObject().EndObject();
  return std::move(w).Take();
}

std::string LogKeysJson(const std::vector<LogPublicKey>& keys) {
  JsonWriter w;
  w.BeginObject();
  if (const LogPublicKey* signing = SigningLogKey(keys)) {
    w.Key("key_id").String(signing->key_id).Key("algorithm").String("Ed25519");
    w.Key("public_key").String(Base64(signing->public_key));
    w.Key("public_key_pem").String(Ed25519PublicKeyPem(signing->public_key));
  }
  w.Key("retired_keys").BeginArray();
  for (const LogPublicKey& k : keys) {
    if (k.retired == 0) continue;
    w.BeginObject().Key("key_id").String(k.key_id).Key("public_key").String(Base64(k.public_key));
    w.Key("retired").String(FormatRfc3339(k.retired)).EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}


std::string ExportJson(const SubjectExport& e) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(e.subject).Key("exported").String(FormatRfc3339(e.exported));
  w.Key("locale").String(e.locale);
  w.Key("decisions").BeginArray();
  for (const PurposeDecision& d : e.decisions) WritePurposeDecision(w, d);
  w.EndArray();
  w.Key("events");
  WriteEvents(w, e.events);
  w.Key("notices").BeginArray();
  for (const SubjectExport::Notice& n : e.notices) {
    w.BeginObject().Key("version").String(n.version).Key("purpose").String(n.purpose);
    w.Key("title").String(n.title).Key("text").String(n.text).EndObject();
  }
  w.EndArray();
  w.Key("receipts").BeginArray();
  for (const std::string& r : e.receipts) w.Raw(r);
  w.EndArray().Key("deliveries").BeginArray();
  for (const Delivery& d : e.deliveries) WriteDelivery(w, e.catalog.get(), d, e.locale);
  w.EndArray();
  WriteUsageFields(w, e.catalog.get(), e.usage, e.locale);
  w.EndObject();
  return std::move(w).Take();
}

void WriteDelivery(JsonWriter& w, const Catalog* catalog, const Delivery& d, std::string_view locale) {
  const CatalogRecipient* r = catalog ? catalog->FindRecipient(d.row.recipient) : nullptr;
  w.BeginObject().Key("delivery").String(d.row.id).Key("recipient").String(d.row.recipient);
  w.Key("name").String(r ? TextIn(*catalog, r->name, locale) : d.row.recipient);
  w.Key("action").String(d.row.kind).Key("purpose");
  w.StringOrNull(d.row.purpose);
  w.Key("event").Uint(d.row.seq).Key("time").String(FormatRfc3339(d.row.created));
  w.Key("state").String(d.row.state).Key("told");
  w.TimeOrNull(d.row.delivered);
  w.Key("confirm").Bool(d.row.needs_ack).Key("due");
  w.TimeOrNull(d.due);
  w.Key("overdue").Bool(d.overdue).Key("confirmed");
  w.TimeOrNull(d.row.confirmed);
  w.Key("confirmed_action");
  w.StringOrNull(d.row.confirmed_action);
  w.Key("stopped_at");
  w.TimeOrNull(d.row.confirmed_at);
  w.EndObject();
}

int64_t DaysBack(int64_t now, uint64_t days) {
  constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;
  return (now / kMicrosPerDay - static_cast<int64_t>(days) + 1) * kMicrosPerDay;
}

std::string DayText(int32_t day) { return FormatRfc3339(int64_t{day} * 86'400 * 1'000'000).substr(0, 10); }

UsageWords DescribeUsage(const Catalog* catalog, const UsageDays& u, std::string_view locale) {
  UsageWords out;
  const Purpose* p = catalog ? catalog->FindPurpose(u.purpose) : nullptr;
  const CatalogRecipient* r = catalog && !u.recipient.empty() ? catalog->FindRecipient(u.recipient) : nullptr;
  out.title = p ? TextIn(*catalog, p->title, locale) : u.purpose;
  if (r) out.name = TextIn(*catalog, r->name, locale);
  else out.name = u.recipient.empty() && catalog ? catalog->organization.name : u.recipient;
  if (p) {
    for (const std::string& id : r ? ReceivedData(*r, *p) : p->data) {
      const DataCategory* c = catalog->FindCategory(id);
      out.data.push_back(c ? TextIn(*catalog, c->title, locale) : id);
    }
  }
  return out;
}

void WriteUsageFields(JsonWriter& w, const Catalog* catalog, const std::vector<UsageDays>& usage,
                      std::string_view locale) {
  w.Key("usage").BeginArray();
  for (const UsageDays& u : usage) {
    const UsageWords words = DescribeUsage(catalog, u, locale);
    w.BeginObject().Key("purpose").String(u.purpose).Key("title").String(words.title).Key("recipient");
    w.StringOrNull(u.recipient);
    w.Key("name").String(words.name).Key("data").Strings(words.data);
    w.Key("days").BeginArray();
    for (int32_t day : u.days) w.String(DayText(day));
    w.EndArray().Key("months").BeginArray();
    for (size_t i = 0; i < u.days.size();) {
      const std::string month = DayText(u.days[i]).substr(0, 7);
      size_t n = 0;
      for (; i < u.days.size() && DayText(u.days[i]).starts_with(month); ++i) ++n;
      w.BeginObject().Key("month").String(month).Key("days").Uint(n).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
}

std::string UsageJson(std::string_view subject, const Catalog* catalog, const std::vector<UsageDays>& usage,
                      std::string_view locale) {
  JsonWriter w;
  w.BeginObject().Key("subject").String(subject).Key("locale").String(locale);
  WriteUsageFields(w, catalog, usage, locale);
  w.EndObject();
  return std::move(w).Take();
}

std::string DeniedChecksJson(int64_t since, const std::vector<DeniedCountRow>& denied) {
  JsonWriter w;
  w.BeginObject().Key("since").String(FormatRfc3339(since).substr(0, 10)).Key("denied").BeginArray();
  for (const DeniedCountRow& d : denied) {
    w.BeginObject().Key("day").String(DayText(d.day)).Key("purpose");
    w.StringOrNull(d.purpose);
    w.Key("recipient");
    w.StringOrNull(d.recipient);
    w.Key("reason").String(d.reason).Key("count").Uint(d.count).EndObject();
  }
  w.EndArray().EndObject();
  return std::move(w).Take();
}

void WriteRecipientStatus(JsonWriter& w, const RecipientStatus& r) {
  auto seconds = [&](int64_t micros) {
    if (micros < 0) w.Null();
    else w.Int(micros / 1'000'000);
  };
  w.BeginObject().Key("recipient").String(r.recipient).Key("delivery").String(r.delivery);
  w.Key("pending").Uint(r.pending).Key("unconfirmed").Uint(r.unconfirmed).Key("overdue").Uint(r.overdue);
  w.Key("failed").Uint(r.failed).Key("confirmed").Uint(r.confirmed).Key("p50_confirm_seconds");
  seconds(r.p50_confirm_micros);
  w.Key("p99_confirm_seconds");
  seconds(r.p99_confirm_micros);
  w.Key("last_error");
  w.StringOrNull(r.last_error);
  w.EndObject();
}

}  // namespace optin
