// The JSON forms of tree heads and proofs (docs/log_format.md): written with
// JsonWriter, read with the JSON reader.
#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/common/json_reader.h"
#include "src/common/json_writer.h"
#include "src/proof/log_key.h"

namespace optin {
namespace {

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

void WriteHashes(JsonWriter& w, std::string_view key, const std::vector<MerkleHash>& hashes) {
  w.Key(key).BeginArray();
  for (const MerkleHash& h : hashes) w.String(ToHex(View(h)));
  w.EndArray();
}

Result<MerkleHash> HashValue(const json::Value& v) {
  OPTIN_ASSIGN_OR_RETURN(std::string bytes, v.HexBytes(MerkleHash().size(), "a SHA-256 hash"));
  MerkleHash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

}  // namespace

std::string InclusionProofToJson(const InclusionProof& proof) {
  JsonWriter w;
  w.BeginObject().Key("leaf_index").Uint(proof.leaf_index).Key("tree_size").Uint(proof.tree_size);
  w.Key("leaf_hash").String(ToHex(View(proof.leaf_hash)));
  WriteHashes(w, "audit_path", proof.audit_path);
  w.EndObject();
  return std::move(w).Take();
}

std::string ConsistencyProofToJson(const ConsistencyProof& proof) {
  JsonWriter w;
  w.BeginObject().Key("first").Uint(proof.first).Key("second").Uint(proof.second);
  WriteHashes(w, "path", proof.path);
  w.EndObject();
  return std::move(w).Take();
}

Result<SignedTreeHead> TreeHeadFromJson(std::string_view json) {
  OPTIN_ASSIGN_OR_RETURN(json::Document doc, json::Document::ParseObject(json, "a tree head"));
  SignedTreeHead head;
  int seen = 0;
  OPTIN_RETURN_IF_ERROR(doc.root().ForEachMember([&](std::string_view key, const json::Value& value) -> Status {
    if (key == "tree_size") {
      OPTIN_ASSIGN_OR_RETURN(head.tree_size, value.Uint());
    } else if (key == "root_hash") {
      OPTIN_ASSIGN_OR_RETURN(head.root_hash, HashValue(value));
    } else if (key == "timestamp") {
      OPTIN_ASSIGN_OR_RETURN(uint64_t t, value.Uint());
      head.timestamp = static_cast<int64_t>(t);
    } else if (key == "signature") {
      OPTIN_ASSIGN_OR_RETURN(head.signature, value.Base64Bytes());
    } else if (key == "key_id") {
      OPTIN_ASSIGN_OR_RETURN(head.key_id, value.String());
    } else {
      return value.UnknownKey();
    }
    ++seen;
    return OkStatus();
  }));
  if (seen != 5) return InvalidArgumentError("a tree head needs tree_size, root_hash, timestamp, signature and key_id");
  return head;
}

}  // namespace optin
