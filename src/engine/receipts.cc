// The content of receipts (written by src/proof/receipt_writer.cc) and
// everything optin holds about a subject, gathered for them (Engine::Export).
#include <algorithm>
#include <set>

#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/engine/engine_impl.h"
#include "src/proof/receipt_format.h"

namespace optin {

Result<SubjectExport> Engine::Export(std::string_view subject, std::string_view locale) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  SubjectExport out;
  out.subject = subject;
  out.exported = impl_->clock();
  auto catalog = impl_->Current();
  out.locale = catalog ? PickLocale(*catalog, locale) : "en";
  if (catalog) out.organization = catalog->organization;
  out.decisions = DecideAll(subject);
  OPTIN_ASSIGN_OR_RETURN(out.events, History(subject));
  std::set<std::string> seen;
  for (const HistoryEntry& h : out.events) {
    if (h.notice.empty() || !seen.insert(h.notice).second) continue;
    std::optional<Impl::Notice> notice = impl_->FindNotice(h.notice);
    if (!notice) continue;
    const Purpose& p = *notice->purpose;
    const Catalog& c = *notice->catalog;
    SubjectExport::Notice n;
    n.version = h.notice;
    n.purpose = p.id;
    n.title = TextIn(c, p.title, out.locale);
    n.text = std::move(notice->canonical);
    n.basis = p.basis;
    n.description = TextIn(c, p.description, out.locale);
    n.benefit = TextIn(c, p.benefit, out.locale);
    for (const std::string& id : p.data) {
      const DataCategory* d = c.FindCategory(id);
      n.data.push_back({d ? TextIn(c, d->title, out.locale) : id, d && d->sensitive});
    }
    n.recipients = p.recipients;
    n.retention = p.retention;
    n.expires = p.expires;
    n.sale_or_share = p.sale_or_share;
    out.titles[p.id] = n.title;
    out.notices.push_back(std::move(n));
  }
  if (catalog) {
    for (const Purpose& p : catalog->purposes) out.titles[p.id] = TextIn(*catalog, p.title, out.locale);
  }
  OPTIN_ASSIGN_OR_RETURN(out.receipts, impl_->Receipts(subject, {}, out.locale));
  OPTIN_ASSIGN_OR_RETURN(out.deliveries, SubjectDeliveries(subject));
  OPTIN_ASSIGN_OR_RETURN(out.usage, SubjectUsage(subject));
  out.catalog = std::move(catalog);
  return out;
}

Result<SignedTreeHead> Engine::Impl::ReceiptHead() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  absl::MutexLock lock(&receipt_head_mu);
  uint64_t size = 0;
  MerkleHash root;
  {
    absl::ReaderMutexLock tree_lock(&tree_mu);
    size = tree.size();
    if (receipt_head && receipt_head->tree_size == size && receipt_head->key_id == key.key_id) return *receipt_head;
    root = tree.Root(size);
  }
  receipt_head = internal::SignTreeHead(size, root, clock() / 1000, key);
  return *receipt_head;
}

Result<std::string> Engine::Impl::MakeReceipt(const StoredEvent& stored, const Event& e, std::string_view subject,
                                              std::string_view locale, const SignedTreeHead& head,
                                              std::span<const DeliveryRow> told) {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  OPTIN_ASSIGN_OR_RETURN(InclusionProof proof, ProveInclusion(e.seq, head.tree_size));
  std::optional<Notice> notice;
  if (!e.notice.empty()) {
    notice = FindNotice(e.notice);
    if (!notice) return DataLossError("event " + std::to_string(e.seq) + " names an unknown notice");
  }
  const std::shared_ptr<const Catalog> current = notice ? nullptr : Current();
  const Catalog* catalog = notice ? notice->catalog.get() : current.get();
  std::string lang(locale);
  if (catalog) lang = PickLocale(*catalog, locale);
  auto text = [&](const LocalizedText& t) -> const std::string& { return TextIn(*catalog, t, lang); };
  ReceiptContent c;
  c.subject = subject;
  c.controller_name = catalog ? catalog->organization.name : "";
  c.controller_contact = catalog ? catalog->organization.contact : "";
  c.locale = lang;
  c.action = e.action;
  c.time = e.time;
  c.channel = e.channel;
  c.sequence = e.seq;
  if (notice) {
    const Purpose& p = *notice->purpose;
    ReceiptContent::Purpose rp{.id = p.id, .from_notice = true, .basis = std::string(BasisName(p.basis)),
                               .title = text(p.title), .description = text(p.description),
                               .benefit = text(p.benefit), .sale_or_share = p.sale_or_share,
                               .retention = p.retention, .expires = p.expires};
    for (const std::string& id : p.data) {
      const DataCategory* d = notice->catalog->FindCategory(id);
      rp.data.push_back({id, d ? text(d->title) : "", d && d->sensitive});
    }
    for (const Recipient& r : p.recipients) rp.recipients.push_back({r.name, r.role});
    rp.notice_version = e.notice;
    rp.notice_text = notice->canonical;
    c.purpose = std::move(rp);
  } else if (!e.purpose.empty()) {
    c.purpose = ReceiptContent::Purpose{.id = e.purpose};
  }
  const std::shared_ptr<const Catalog> in_force = Current();
  for (const DeliveryRow& d : told) {
    if (ToldOf(d) != e.seq) continue;
    const CatalogRecipient* r = in_force ? in_force->FindRecipient(d.recipient) : nullptr;
    c.told.push_back({.recipient = d.recipient,
                      .name = r ? TextIn(*in_force, r->name, lang) : d.recipient,
                      .delivery = d.id,
                      .action = d.kind,
                      .told = d.delivered,
                      .confirmed = d.confirmed,
                      .confirmed_action = d.confirmed_action,
                      .stopped_at = d.confirmed_at});
  }
  c.event = stored.body;
  c.proof = std::move(proof);
  c.head = head;
  return WriteReceipt(c, key);
}

Result<std::vector<std::string>> Engine::Receipts(std::string_view subject, std::span<const uint64_t> seqs,
                                                  std::string_view locale) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  return impl_->Receipts(subject, seqs, locale);
}

Result<std::vector<std::string>> Engine::Impl::Receipts(std::string_view subject, std::span<const uint64_t> seqs,
                                                        std::string_view locale) {
  OPTIN_ASSIGN_OR_RETURN(SignedTreeHead head, ReceiptHead());
  std::vector<std::string> out;
  const std::string ref = writer->SubjectRef(subject);
  std::vector<DeliveryRow> told;
  OPTIN_RETURN_IF_ERROR(store->ScanDeliveries("", ref, [&](const DeliveryRow& d) {
    told.push_back(d);
    return OkStatus();
  }));
  OPTIN_RETURN_IF_ERROR(store->ScanSubject(ref, [&](const StoredEvent& stored) {
    if (stored.seq > head.tree_size) return OkStatus();
    if (!seqs.empty() && std::find(seqs.begin(), seqs.end(), stored.seq) == seqs.end()) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> owner, writer->OpenSubject(e));
    if (!owner || *owner != subject) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(std::string receipt, MakeReceipt(stored, e, subject, locale, head, told));
    out.push_back(std::move(receipt));
    return OkStatus();
  }));
  return out;
}

}  // namespace optin
