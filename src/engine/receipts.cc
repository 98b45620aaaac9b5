// Receipts (docs/log_format.md, "Receipts") and everything optin holds
// about a subject, gathered for them (Engine::Export).
#include <algorithm>
#include <set>

#include "src/catalog/locale.h"
#include "src/catalog/notices_json.h"
#include "src/common/bytes.h"
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/engine/engine_impl.h"

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
                                              std::string_view locale, const SignedTreeHead& head) {
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
  auto optional_string = [](JsonWriter& w, const std::string& v) {
    if (v.empty()) w.Null();
    else w.String(v);
  };
  // ISO/IEC TS 27560 event states (docs/log_format.md, "Receipts").
  const std::string_view state = e.action == Action::kGrant      ? "given"
                                 : e.action == Action::kWithdraw ? "withdrawn"
                                                                 : "opted_out";
  JsonWriter w;
  w.BeginObject();
  w.Key("schema").String("optin-receipt-v1");
  w.Key("receipt_id").String(ToHex(std::string_view(reinterpret_cast<const char*>(proof.leaf_hash.data()), 32)));
  w.Key("subject").String(subject);
  w.Key("controller").BeginObject();
  w.Key("name").String(catalog ? catalog->organization.name : "");
  w.Key("contact").String(catalog ? catalog->organization.contact : "");
  w.EndObject();
  w.Key("locale").String(lang);
  w.Key("action").String(ActionName(e.action)).Key("state").String(state);
  w.Key("time").String(FormatRfc3339(e.time)).Key("channel").String(e.channel);
  w.Key("sequence").Uint(e.seq);
  w.Key("purpose");
  if (notice) {
    const Purpose& p = *notice->purpose;
    w.BeginObject().Key("id").String(p.id).Key("basis").String(BasisName(p.basis));
    w.Key("title").String(text(p.title)).Key("description").String(text(p.description));
    w.Key("benefit").String(text(p.benefit)).Key("sale_or_share").Bool(p.sale_or_share);
    w.Key("retention");
    optional_string(w, p.retention);
    w.Key("expires");
    optional_string(w, p.expires);
    w.Key("data_categories").BeginArray();
    for (const std::string& id : p.data) {
      const DataCategory* c = notice->catalog->FindCategory(id);
      w.BeginObject().Key("id").String(id).Key("title").String(c ? text(c->title) : "");
      w.Key("sensitive").Bool(c && c->sensitive).EndObject();
    }
    w.EndArray();
    w.Key("recipients").BeginArray();
    for (const Recipient& r : p.recipients) w.BeginObject().Key("name").String(r.name).Key("role").String(r.role).EndObject();
    w.EndArray();
    w.EndObject();
    w.Key("notice").BeginObject().Key("version").String(e.notice).Key("text").String(notice->canonical).EndObject();
  } else if (!e.purpose.empty()) {
    w.BeginObject().Key("id").String(e.purpose).EndObject();
    w.Key("notice").Null();
  } else {
    w.Null();
    w.Key("notice").Null();
  }
  w.Key("event").String(Base64(stored.body));
  w.Key("leaf_hash").String(ToHex(std::string_view(reinterpret_cast<const char*>(proof.leaf_hash.data()), 32)));
  w.Key("tree_head").Raw(TreeHeadToJson(head));
  w.Key("inclusion_proof").Raw(InclusionProofToJson(proof));
  w.EndObject();
  OPTIN_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(std::move(w).Take()));
  JsonWriter file;
  file.BeginObject().Key("key_id").String(key.key_id).Key("public_key").String(Base64(key.public_key));
  file.Key("receipt").Raw(canonical);
  file.Key("signature").String(Base64(internal::SignBytes(ReceiptSignedBytes(canonical), key)));
  file.EndObject();
  return std::move(file).Take();
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
  OPTIN_RETURN_IF_ERROR(store->ScanSubject(ref, [&](const StoredEvent& stored) {
    if (stored.seq > head.tree_size) return OkStatus();
    if (!seqs.empty() && std::find(seqs.begin(), seqs.end(), stored.seq) == seqs.end()) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> owner, writer->OpenSubject(e));
    if (!owner || *owner != subject) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(std::string receipt, MakeReceipt(stored, e, subject, locale, head));
    out.push_back(std::move(receipt));
    return OkStatus();
  }));
  return out;
}

}  // namespace optin
