// Receipts: canonical JSON (RFC 8785 for the values receipts hold) and the
// offline verifier of what receipt_writer.cc writes (docs/log_format.md, "Receipts"), read with the JSON
// reader.
#include <simdjson.h>

#include <algorithm>
#include <functional>

#include "optin/ledger.h"
#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/common/json_reader.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/proof/log_key.h"
#include "src/proof/receipt_format.h"

namespace optin {
namespace {

using simdjson::dom::element;

// DO NOT CHANGE: the receipt signature's domain separation.
constexpr std::string_view kReceiptLabel = "optin receipt v1\n";
constexpr int kMaxDepth = 32;

Status Canonical(element v, std::string& out, int depth) {
  if (depth > kMaxDepth) return InvalidArgumentError("JSON nested more than 32 levels deep");
  switch (v.type()) {
    case simdjson::dom::element_type::OBJECT: {
      std::vector<std::pair<std::string_view, element>> fields;
      for (auto [key, value] : simdjson::dom::object(v)) fields.emplace_back(key, value);
      std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0 && fields[i].first == fields[i - 1].first) {
          return InvalidArgumentError("the key `" + std::string(fields[i].first) + "` repeats");
        }
        if (i > 0) out += ',';
        AppendJsonString(out, fields[i].first, JsonEscaping::kCanonical);
        out += ':';
        OPTIN_RETURN_IF_ERROR(Canonical(fields[i].second, out, depth + 1));
      }
      out += '}';
      return OkStatus();
    }
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (element e : simdjson::dom::array(v)) {
        if (!first) out += ',';
        first = false;
        OPTIN_RETURN_IF_ERROR(Canonical(e, out, depth + 1));
      }
      out += ']';
      return OkStatus();
    }
    case simdjson::dom::element_type::STRING:
      AppendJsonString(out, std::string_view(v), JsonEscaping::kCanonical);
      return OkStatus();
    case simdjson::dom::element_type::INT64:
      out += std::to_string(int64_t(v));
      return OkStatus();
    case simdjson::dom::element_type::UINT64:
      out += std::to_string(uint64_t(v));
      return OkStatus();
    case simdjson::dom::element_type::BOOL:
      out += bool(v) ? "true" : "false";
      return OkStatus();
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      return OkStatus();
    default:
      return InvalidArgumentError("a number that is not an integer has no canonical form here");
  }
}

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

Result<MerkleHash> HashOf(const json::Value& v) {
  OPTIN_ASSIGN_OR_RETURN(std::string bytes, v.HexBytes(MerkleHash().size(), "a SHA-256 hash"));
  MerkleHash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Result<MerkleHash> HashAt(const json::Value& o, std::string_view key) {
  OPTIN_ASSIGN_OR_RETURN(json::Value v, o.Field(key));
  return HashOf(v);
}

Result<std::string> StringAt(const json::Value& o, std::string_view key) {
  return json::Read(o, key, &json::Value::String);
}
Result<uint64_t> UintAt(const json::Value& o, std::string_view key) { return json::Read(o, key, &json::Value::Uint); }
Result<std::string> Base64At(const json::Value& o, std::string_view key) {
  return json::Read(o, key, &json::Value::Base64Bytes);
}

}  // namespace

Result<std::string> CanonicalJson(std::string_view json) {
  OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::Parse(json));
  std::string out;
  OPTIN_RETURN_IF_ERROR(Canonical(doc.root().element(), out, 0));
  return out;
}

std::string ReceiptSignedBytes(std::string_view canonical_receipt) {
  return std::string(kReceiptLabel) + std::string(canonical_receipt);
}

Result<ReceiptVerification> VerifyReceipt(std::string_view receipt_file, std::optional<std::string> public_key) {
  OPTIN_ASSIGN_OR_RETURN(const json::Document doc, json::Document::ParseObject(receipt_file, "a receipt file"));
  const json::Value& file = doc.root();
  OPTIN_ASSIGN_OR_RETURN(const json::Value r, file.Field("receipt"));
  if (!r.IsObject()) return r.Error("must be an object");
  OPTIN_ASSIGN_OR_RETURN(std::string schema, StringAt(r, "schema"));
  if (schema != kReceiptSchema) return InvalidArgumentError("unknown receipt schema `" + schema + "`");

  ReceiptVerification out;
  auto check = [&out](std::string name, const Status& s, std::string detail) {
    out.checks.push_back({std::move(name), s.ok(), s.ok() ? std::move(detail) : s.message()});
  };
  // Fields whose absence makes a check fail rather than the whole file unreadable.
  auto field_status = [](const auto& result) { return result.ok() ? OkStatus() : result.status(); };

  Result<std::string> subject = StringAt(r, "subject");
  Result<std::string> action = StringAt(r, "action");
  Result<uint64_t> sequence = UintAt(r, "sequence");
  Result<std::string> time = StringAt(r, "time");
  out.subject = subject.value_or("");
  out.action = action.value_or("");
  out.sequence = sequence.value_or(0);
  out.time = time.value_or("");

  // 1. The receipt's signature.
  Result<std::string> signature = Base64At(file, "signature");
  Result<std::string> key_id = StringAt(file, "key_id");
  if (!public_key) {
    Result<std::string> embedded = Base64At(file, "public_key");
    if (embedded.ok()) public_key = *embedded;
    out.key_from_receipt = true;
  }
  std::string canonical;
  Status s = Canonical(r.element(), canonical, 0);
  if (s.ok()) s = field_status(signature);
  if (s.ok()) s = field_status(key_id);
  if (s.ok() && !public_key) s = InvalidArgumentError("no public key: pass one, or keep `public_key` in the file");
  if (s.ok() && *key_id != LogKeyId(*public_key)) {
    s = InvalidArgumentError("the receipt names key `" + *key_id + "` but the key given is `" + LogKeyId(*public_key) +
                             "` (after a key rotation, `optin log key` and GET /v1/log/key list the retired keys; "
                             "pass the one named, as base64)");
  }
  if (s.ok()) s = internal::VerifyBytes(ReceiptSignedBytes(canonical), *signature, *public_key);
  check("signature", s, "the receipt is signed by log key " + key_id.value_or("?") +
                            (out.key_from_receipt ? " (the key in the receipt itself)" : ""));

  // 2. The tree head's signature.
  SignedTreeHead head;
  Result<json::Value> head_value = r.Field("tree_head");
  s = field_status(head_value);
  if (s.ok()) {
    const json::Value& h = *head_value;
    Result<uint64_t> size = UintAt(h, "tree_size");
    Result<MerkleHash> root = HashAt(h, "root_hash");
    Result<uint64_t> ts = UintAt(h, "timestamp");
    Result<std::string> sig = Base64At(h, "signature");
    Result<std::string> kid = StringAt(h, "key_id");
    for (const Status& f : {field_status(size), field_status(root), field_status(ts), field_status(sig), field_status(kid)}) {
      if (s.ok()) s = f;
    }
    if (s.ok()) {
      head = SignedTreeHead{*size, *root, static_cast<int64_t>(*ts), *kid, *sig};
      s = public_key ? VerifyTreeHead(head, *public_key) : InvalidArgumentError("no public key");
    }
  }
  check("tree_head", s, "the tree head of " + std::to_string(head.tree_size) + " events is signed by the same key");

  // 3. The event's bytes are the leaf.
  Result<std::string> event_bytes = Base64At(r, "event");
  Result<MerkleHash> leaf_hash = HashAt(r, "leaf_hash");
  s = field_status(event_bytes);
  if (s.ok()) s = field_status(leaf_hash);
  if (s.ok() && LeafHash(*event_bytes) != *leaf_hash) {
    s = InvalidArgumentError("SHA-256(0x00 ‖ event) is " + ToHex(View(LeafHash(*event_bytes))) + ", not the leaf hash");
  }
  check("leaf", s, "the event bytes hash to the leaf hash");

  // 4. The event says what the receipt says.
  s = field_status(event_bytes);
  Result<Event> event = InvalidArgumentError("no event");
  if (s.ok()) {
    event = DecodeEvent(*event_bytes);
    s = field_status(event);
  }
  if (s.ok()) {
    auto differs = [](std::string_view what, const std::string& a, const std::string& b) {
      return InvalidArgumentError("the receipt says " + std::string(what) + " `" + a + "` but the event says `" + b + "`");
    };
    Result<std::string> channel = StringAt(r, "channel");
    std::optional<json::Value> purpose_value = r.Find("purpose"), notice_value = r.Find("notice");
    std::string purpose_id, notice_version;
    if (!purpose_value || !notice_value) {
      s = InvalidArgumentError("`receipt.purpose` and `receipt.notice` must be present (null for a signal)");
    } else {
      if (!purpose_value->IsNull()) purpose_id = StringAt(*purpose_value, "id").value_or("?");
      if (!notice_value->IsNull()) notice_version = StringAt(*notice_value, "version").value_or("?");
      out.purpose = purpose_id;
    }
    if (s.ok() && (!sequence.ok() || *sequence != event->seq)) s = differs("sequence", std::to_string(out.sequence), std::to_string(event->seq));
    if (s.ok() && (!action.ok() || *action != ActionName(event->action))) s = differs("action", out.action, std::string(ActionName(event->action)));
    if (s.ok() && (!time.ok() || *time != FormatRfc3339(event->time))) s = differs("time", out.time, FormatRfc3339(event->time));
    if (s.ok() && (!channel.ok() || *channel != event->channel)) s = differs("channel", channel.value_or(""), event->channel);
    if (s.ok() && purpose_id != event->purpose) s = differs("purpose", purpose_id, event->purpose);
    if (s.ok() && notice_version != event->notice) s = differs("notice version", notice_version, event->notice);
  }
  check("event", s,
        "the event is " + (out.purpose.empty() ? out.action : out.action + " of `" + out.purpose + "`") + ", number " +
            std::to_string(out.sequence));

  // 5. The inclusion proof.
  Result<json::Value> proof_value = r.Field("inclusion_proof");
  s = field_status(proof_value);
  InclusionProof proof;
  if (s.ok()) {
    const json::Value& p = *proof_value;
    Result<uint64_t> index = UintAt(p, "leaf_index");
    Result<uint64_t> size = UintAt(p, "tree_size");
    Result<MerkleHash> leaf = HashAt(p, "leaf_hash");
    Result<json::Value> path = p.Field("audit_path");
    for (const Status& f : {field_status(index), field_status(size), field_status(leaf), field_status(path)}) {
      if (s.ok()) s = f;
    }
    if (s.ok()) {
      proof.leaf_index = *index;
      proof.tree_size = *size;
      proof.leaf_hash = *leaf;
      s = path->ForEachItem([&proof](const json::Value& entry) -> Status {
        OPTIN_ASSIGN_OR_RETURN(MerkleHash h, HashOf(entry));
        proof.audit_path.push_back(h);
        return OkStatus();
      });
    }
    if (s.ok() && proof.leaf_index + 1 != out.sequence) s = InvalidArgumentError("the proof is for another event");
    if (s.ok() && leaf_hash.ok() && proof.leaf_hash != *leaf_hash) s = InvalidArgumentError("the proof is for another leaf");
    if (s.ok() && proof.tree_size != head.tree_size) s = InvalidArgumentError("the proof is for another tree than the head's");
    if (s.ok()) s = VerifyInclusion(proof, head.root_hash);
  }
  check("inclusion", s, "event " + std::to_string(out.sequence) + " is in the log of " +
                            std::to_string(proof.tree_size) + " events under the signed root");

  // 6. The notice text is the notice version.
  if (std::optional<json::Value> n = r.Find("notice"); !n || n->IsNull()) {
    check("notice", OkStatus(), "no notice (a signal)");
  } else {
    Result<std::string> text = StringAt(*n, "text");
    Result<std::string> version = StringAt(*n, "version");
    s = field_status(text);
    if (s.ok()) s = field_status(version);
    if (s.ok() && ToHex(AsBytes(Sha256(*text))) != *version) {
      s = InvalidArgumentError("SHA-256 of the notice text is " + ToHex(AsBytes(Sha256(*text))) + ", not the notice version");
    }
    check("notice", s, "the notice text hashes to notice version " + version.value_or("?").substr(0, 12));
  }

  out.ok = std::all_of(out.checks.begin(), out.checks.end(), [](const ReceiptCheck& c) { return c.ok; });
  return out;
}

Result<std::vector<std::string>> ReceiptsInFile(std::string_view text) {
  OPTIN_ASSIGN_OR_RETURN(const json::Document doc, json::Document::Parse(text));
  json::Value file = doc.root();
  // GET /v1/subjects/{id}/receipts wraps the list: {"subject","receipts":[…]}.
  if (std::optional<json::Value> list = file.Find("receipts"); list && list->IsArray()) file = *list;
  std::vector<std::string> out;
  if (file.IsObject()) {
    out.push_back(file.Minified());
  } else if (file.IsArray()) {
    OPTIN_RETURN_IF_ERROR(file.ForEachItem([&out](const json::Value& item) -> Status {
      if (!item.IsObject()) return InvalidArgumentError("a list of receipts holds only objects");
      out.push_back(item.Minified());
      return OkStatus();
    }));
  } else {
    return InvalidArgumentError("a receipt file holds a receipt object or a list of them");
  }
  if (out.empty()) return InvalidArgumentError("the list holds no receipt");
  return out;
}

Result<std::string> ParseEd25519PublicKey(std::string_view text) {
  // DO NOT CHANGE: the DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
  static constexpr std::string_view kSpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12);
  constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----", kEnd = "-----END PUBLIC KEY-----";
  std::string body(text);
  const size_t begin = body.find(kBegin);
  if (begin != std::string::npos) {
    const size_t end = body.find(kEnd, begin);
    if (end == std::string::npos) return InvalidArgumentError("a PEM key without its END line");
    body = body.substr(begin + kBegin.size(), end - begin - kBegin.size());
  }
  std::erase_if(body, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
  std::optional<std::string> bytes = FromBase64(body);
  if (!bytes) return InvalidArgumentError("not a PEM public key nor base64");
  if (bytes->size() == 32) return *bytes;
  if (bytes->size() == kSpkiPrefix.size() + 32 && bytes->starts_with(kSpkiPrefix)) return bytes->substr(kSpkiPrefix.size());
  return InvalidArgumentError("not an Ed25519 public key");
}

}  // namespace optin
