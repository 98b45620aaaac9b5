#include "src/server/export_page.h"

#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/common/json_reader.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"
#include "src/server/page_texts.h"

namespace optin::server {
namespace {

// The style of the page: self-contained (the page has no files beside it),
// no script, nothing in italics (Japanese is never set in italics).
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem .5rem;text-align:left;"
    "vertical-align:top}section{margin:2rem 0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}"
    "dt{font-weight:600}dd{margin:0}.muted{color:#555}details{margin:.5rem 0}"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5rem;font-size:.8rem}";

// Where a delivery stands, in words.
std::string Confirmation(const Texts& t, const Delivery& d) {
  const DeliveryRow& r = d.row;
  if (r.state == "superseded") return t.Plain("deliveries.superseded");
  if (r.state == "failed") return t.Plain("deliveries.failed");
  if (r.confirmed != 0) {
    return t.Plain(r.confirmed_action == "deleted" ? "deliveries.confirmed_deleted" : "deliveries.confirmed_stopped",
                   {{"date", DateInWords(t, r.confirmed_at)}});
  }
  if (r.state == "pending") return t.Plain("deliveries.not_told_yet");
  if (!r.needs_ack) return t.Plain("deliveries.not_needed");
  return t.Plain(d.overdue ? "deliveries.overdue" : "deliveries.waiting", {{"date", DateInWords(t, d.due)}});
}

std::string Title(const SubjectExport& e, const std::string& purpose) {
  auto it = e.titles.find(purpose);
  return it == e.titles.end() ? purpose : it->second;
}

// What happened, in words (plain text).
std::string ActionWords(const Texts& t, const HistoryEntry& h) {
  if (h.gpc_conflict_acknowledged) return t.Plain("actions.grant_despite_gpc");
  switch (h.action) {
    case Action::kGrant: return t.Plain("actions.grant");
    case Action::kWithdraw: return t.Plain("actions.withdraw");
    case Action::kSignal: return t.Plain("actions.signal");
    default: return std::string(ActionName(h.action));
  }
}

// The event a receipt file is for (`receipt.sequence`); 0 if unreadable.
uint64_t ReceiptSequence(const std::string& file) {
  Result<json::Document> doc = json::Document::Parse(file);
  if (!doc.ok()) return 0;
  Result<json::Value> receipt = doc->root().Field("receipt");
  if (!receipt.ok()) return 0;
  return json::Read(*receipt, "sequence", &json::Value::Uint).value_or(0);
}

void Row(std::string& out, const std::string& label_html, const std::string& value_html) {
  out += "<dt>" + label_html + "</dt><dd>" + value_html + "</dd>";
}

void Notice(std::string& out, const Texts& t, const SubjectExport& e, const SubjectExport::Notice& n) {
  const std::map<std::string, std::string> org = {{"org", e.organization.name}};
  out += "<article><h3>" + Escaped(n.title) + "</h3><p class=\"muted\">" +
         t("export.notice_version", {{"version", n.version.substr(0, 12)}}) + "</p>";
  out += "<p>" + Escaped(n.description) + "</p><dl>";
  if (!n.benefit.empty()) Row(out, t("purpose.benefit"), Escaped(n.benefit));
  if (!n.data.empty()) {
    std::string data;
    for (const auto& d : n.data) {
      data += (data.empty() ? "" : "<br>") + Escaped(d.title) + (d.sensitive ? " (" + t("purpose.sensitive") + ")" : "");
    }
    Row(out, t("purpose.data"), data);
  }
  std::string recipients;
  for (const Recipient& r : n.recipients) {
    recipients += (recipients.empty() ? "" : "<br>") + Escaped(r.name) + t("purpose.recipient_role_separator") +
                  t("roles." + r.role);
  }
  Row(out, t("purpose.recipients"), recipients.empty() ? t("purpose.recipients_none", org) : recipients);
  if (!n.retention.empty()) Row(out, t("purpose.retention"), Escaped(DurationInWords(n.retention, e.locale)));
  if (!n.expires.empty()) {
    Row(out, t("purpose.expires"), t("purpose.expires_value", {{"duration", DurationInWords(n.expires, e.locale)}}));
  }
  if (n.basis == Basis::kConsent) {
    Row(out, t("purpose.sale_or_share"), n.sale_or_share ? t("purpose.sale_or_share_yes") : t("purpose.sale_or_share_no"));
  }
  out += "</dl></article>";
}

}  // namespace

// Who was told of each change, and whether they confirmed (none when the
// catalog names no recipients).
void Deliveries(std::string& out, const Texts& t, const SubjectExport& e) {
  if (e.deliveries.empty()) return;
  out += "<section><h2>" + t("deliveries.title") + "</h2><p>" + t("deliveries.intro") + "</p><table><tr><th>" +
         t("deliveries.col_recipient") + "</th><th>" + t("deliveries.col_change") + "</th><th>" +
         t("deliveries.col_told") + "</th><th>" + t("deliveries.col_confirmation") + "</th></tr>";
  for (const Delivery& d : e.deliveries) {
    const CatalogRecipient* r = e.catalog ? e.catalog->FindRecipient(d.row.recipient) : nullptr;
    const std::string name = r ? TextIn(*e.catalog, r->name, e.locale) : d.row.recipient;
    HistoryEntry change;
    change.action = d.row.kind == "grant" ? Action::kGrant : d.row.kind == "signal" ? Action::kSignal : Action::kWithdraw;
    const std::string words = d.row.kind == "lapse" ? t.Plain("deliveries.lapse") : ActionWords(t, change);
    const std::string what = d.row.kind == "erase" ? t.Plain("deliveries.erase")
                                                   : words + (d.row.purpose.empty() ? "" : ": " + Title(e, d.row.purpose));
    out += "<tr><td>" + Escaped(name) + "</td><td>" + Escaped(what) + "</td><td>" +
           Escaped(d.row.delivered == 0 ? "" : DateInWords(t, d.row.delivered)) + "</td><td>" +
           Escaped(Confirmation(t, d)) + "</td></tr>";
  }
  out += "</table></section>";
}

namespace {

// Who used the data, for what, on how many days each month, newest first
// (none when nothing is kept).
void Usage(std::string& out, const Texts& t, const SubjectExport& e) {
  if (e.usage.empty()) return;
  out += "<section><h2>" + t("usage.title") + "</h2><p>" + t("usage.intro") + "</p><ul>";
  for (const UsageDays& u : e.usage) {
    const UsageWords words = DescribeUsage(e.catalog.get(), u, e.locale);
    std::string data;
    for (size_t i = 0; i < words.data.size(); ++i) {
      if (i > 0) data += t.Plain(i + 1 == words.data.size() ? "list.last_separator" : "list.separator");
      data += words.data[i];
    }
    std::vector<std::pair<std::string, uint64_t>> months;  // oldest first
    for (int32_t day : u.days) {
      const std::string month = DayText(day).substr(0, 7);
      if (months.empty() || months.back().first != month) months.push_back({month, 0});
      ++months.back().second;
    }
    for (auto m = months.rbegin(); m != months.rend(); ++m) {
      out += "<li>" +
             Escaped(t.Plural("usage.item", m->second,
                              {{"name", words.name},
                               {"data", data},
                               {"purpose", words.title},
                               {"month", MonthInWords(t, m->first)}})) +
             "</li>";
    }
  }
  out += "</ul></section>";
}

}  // namespace

std::string ExportPage(const SubjectExport& e, const ExportPageOptions& options) {
  const Texts t(e.locale);
  const std::map<std::string, std::string> org = {{"org", e.organization.name}};
  std::string out = "<!doctype html>\n<html lang=\"" + Escaped(e.locale) + "\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + t("export.document_title", org) + "</title><style>" + std::string(kStyle) + "</style></head><body>";
  out += "<h1>" + t("export.title", org) + "</h1>";
  out += "<p>" + t("export.intro", {{"subject", e.subject}, {"date", DateInWords(t, e.exported)}}) + "</p>";
  if (!e.organization.contact.empty()) {
    out += "<p>" + t("export.contact", {{"org", e.organization.name}, {"contact", e.organization.contact}}) + "</p>";
  }

  out += "<section><h2>" + t("export.choices_title") + "</h2><table><tr><th>" + t("export.col_use") + "</th><th>" +
         t("export.col_choice") + "</th></tr>";
  for (const PurposeDecision& d : e.decisions) {
    out += "<tr><td>" + Escaped(Title(e, d.purpose)) + "</td><td>" + t("reasons." + std::string(ReasonName(d.decision.reason))) +
           "</td></tr>";
  }
  out += "</table></section>";

  out += "<section><h2>" + t("export.history_title") + "</h2><p>" + t("export.history_intro") + "</p>";
  if (e.events.empty()) {
    out += "<p>" + t("history.empty") + "</p>";
  } else {
    out += "<table><tr><th>" + t("history.col_time") + "</th><th>" + t("history.col_purpose") + "</th><th>" +
           t("history.col_action") + "</th><th>" + t("history.col_channel") + "</th></tr>";
    for (const HistoryEntry& h : e.events) {
      out += "<tr><td>" + Escaped(DateInWords(t, h.time)) + "</td><td>" + Escaped(h.purpose.empty() ? "" : Title(e, h.purpose)) +
             "</td><td>" + Escaped(ActionWords(t, h)) + "</td><td>" + t("channels." + h.channel) + "</td></tr>";
    }
    out += "</table>";
  }
  out += "</section>";

  Deliveries(out, t, e);
  Usage(out, t, e);

  out += "<section><h2>" + t("export.notices_title") + "</h2>";
  out += "<p>" + (e.notices.empty() ? t("export.nothing") : t("export.notices_intro")) + "</p>";
  for (const SubjectExport::Notice& n : e.notices) Notice(out, t, e, n);
  out += "</section>";

  out += "<section><h2>" + t("export.receipts_title") + "</h2><p>" + t("export.receipts_intro", org) + "</p>";
  if (!options.page_url.empty()) {
    out += "<p><a href=\"" + Escaped(options.page_url) + "\">" + t("export.receipts_link") + "</a> " +
           t("export.receipts_link_until", {{"date", DateInWords(t, options.page_expires)}}) + "</p>";
  }
  if (e.receipts.empty()) out += "<p>" + t("export.nothing") + "</p>";
  // Each receipt file whole, as it verifies, under its summary in words.
  std::map<uint64_t, const HistoryEntry*> by_seq;
  for (const HistoryEntry& h : e.events) by_seq[h.seq] = &h;
  for (const std::string& file : e.receipts) {
    auto it = by_seq.find(ReceiptSequence(file));
    std::string summary = t("export.receipts_title");
    if (it != by_seq.end()) {
      const HistoryEntry& h = *it->second;
      summary = t("export.receipt_summary", {{"action", ActionWords(t, h)},
                                             {"title", h.purpose.empty() ? "" : Title(e, h.purpose)},
                                             {"date", DateInWords(t, h.time)}});
    }
    out += "<details><summary>" + summary + "</summary><pre>" + Escaped(file) + "</pre></details>";
  }
  out += "</section></body></html>\n";
  return out;
}

}  // namespace optin::server
