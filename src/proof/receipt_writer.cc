// Writing receipts (docs/log_format.md, "Receipts"); receipt.cc reads them.
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/proof/receipt_format.h"

namespace optin {
namespace {

// ISO/IEC TS 27560 event states (docs/log_format.md, "Receipts").
std::string_view StateOf(Action action) {
  switch (action) {
    case Action::kGrant: return "given";
    case Action::kWithdraw: return "withdrawn";
    default: return "opted_out";
  }
}

void WritePurpose(JsonWriter& w, const ReceiptContent::Purpose& p) {
  w.BeginObject().Key("id").String(p.id);
  if (p.from_notice) {
    w.Key("basis").String(p.basis);
    w.Key("title").String(p.title).Key("description").String(p.description);
    w.Key("benefit").String(p.benefit).Key("sale_or_share").Bool(p.sale_or_share);
    w.Key("retention").StringOrNull(p.retention);
    w.Key("expires").StringOrNull(p.expires);
    w.Key("data_categories").BeginArray();
    for (const auto& d : p.data) {
      w.BeginObject().Key("id").String(d.id).Key("title").String(d.title).Key("sensitive").Bool(d.sensitive).EndObject();
    }
    w.EndArray();
    w.Key("recipients").BeginArray();
    for (const auto& r : p.recipients) w.BeginObject().Key("name").String(r.name).Key("role").String(r.role).EndObject();
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

Result<std::string> WriteReceipt(const ReceiptContent& c, const internal::LogKey& key) {
  const std::string leaf_hash = ToHex(AsBytes(c.proof.leaf_hash));
  JsonWriter w;
  w.BeginObject();
  w.Key("schema").String(kReceiptSchema);
  w.Key("receipt_id").String(leaf_hash);
  w.Key("subject").String(c.subject);
  w.Key("controller").BeginObject().Key("name").String(c.controller_name);
  w.Key("contact").String(c.controller_contact).EndObject();
  w.Key("locale").String(c.locale);
  w.Key("action").String(ActionName(c.action)).Key("state").String(StateOf(c.action));
  w.Key("time").String(FormatRfc3339(c.time)).Key("channel").String(c.channel);
  w.Key("sequence").Uint(c.sequence);
  w.Key("purpose");
  if (c.purpose) WritePurpose(w, *c.purpose);
  else w.Null();
  w.Key("notice");
  if (c.purpose && c.purpose->from_notice) {
    w.BeginObject().Key("version").String(c.purpose->notice_version);
    w.Key("text").String(c.purpose->notice_text).EndObject();
  } else {
    w.Null();
  }
  w.Key("told").BeginArray();
  for (const ReceiptContent::Told& t : c.told) {
    w.BeginObject().Key("recipient").String(t.recipient).Key("name").String(t.name);
    w.Key("delivery").String(t.delivery).Key("action").String(t.action).Key("told");
    w.TimeOrNull(t.told);
    w.Key("confirmed");
    w.TimeOrNull(t.confirmed);
    w.Key("confirmed_action");
    w.StringOrNull(t.confirmed_action);
    w.Key("stopped_at");
    w.TimeOrNull(t.stopped_at);
    w.EndObject();
  }
  w.EndArray();
  w.Key("event").String(Base64(c.event));
  w.Key("leaf_hash").String(leaf_hash);
  w.Key("tree_head").Raw(TreeHeadToJson(c.head));
  w.Key("inclusion_proof").Raw(InclusionProofToJson(c.proof));
  w.EndObject();
  OPTIN_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(std::move(w).Take()));
  JsonWriter file;
  file.BeginObject().Key("key_id").String(key.key_id).Key("public_key").String(Base64(key.public_key));
  file.Key("receipt").Raw(canonical);
  file.Key("signature").String(Base64(internal::SignBytes(ReceiptSignedBytes(canonical), key)));
  file.EndObject();
  return std::move(file).Take();
}

}  // namespace optin
