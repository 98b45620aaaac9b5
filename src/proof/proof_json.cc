// The JSON forms of tree heads and proofs (docs/log_format.md): written with
// JsonWriter, read with simdjson (which stays inside this file).
#include <simdjson.h>

#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/common/json_keys.h"
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

Result<MerkleHash> HashValue(simdjson::dom::element v, std::string_view key) {
  std::string_view hex;
  std::optional<std::string> bytes;
  if (!v.get(hex)) bytes = FromHex(hex);
  if (!bytes || bytes->size() != MerkleHash().size()) {
    return InvalidArgumentError("`" + std::string(key) + "` must be 64 lowercase hex digits (a SHA-256 hash)");
  }
  MerkleHash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

Result<uint64_t> UintValue(simdjson::dom::element v, std::string_view key) {
  uint64_t u = 0;
  if (v.get(u)) return InvalidArgumentError("`" + std::string(key) + "` must be a whole number");
  return u;
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
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc); error) {
    return InvalidArgumentError(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  OPTIN_RETURN_IF_ERROR(CheckNoRepeatedKey(doc));
  simdjson::dom::object o;
  if (doc.get(o)) return InvalidArgumentError("a tree head must be a JSON object");
  SignedTreeHead head;
  int seen = 0;
  for (auto [key, value] : o) {
    if (key == "tree_size") {
      OPTIN_ASSIGN_OR_RETURN(head.tree_size, UintValue(value, key));
    } else if (key == "root_hash") {
      OPTIN_ASSIGN_OR_RETURN(head.root_hash, HashValue(value, key));
    } else if (key == "timestamp") {
      OPTIN_ASSIGN_OR_RETURN(uint64_t t, UintValue(value, key));
      head.timestamp = static_cast<int64_t>(t);
    } else if (key == "signature") {
      std::string_view text;
      std::optional<std::string> sig;
      if (!value.get(text)) sig = FromBase64(text);
      if (!sig) return InvalidArgumentError("`signature` must be base64");
      head.signature = std::move(*sig);
    } else if (key == "key_id") {
      std::string_view id;
      if (value.get(id)) return InvalidArgumentError("`key_id` must be a string");
      head.key_id = std::string(id);
    } else {
      return InvalidArgumentError("unknown key `" + std::string(key) + "` in a tree head");
    }
    ++seen;
  }
  if (seen != 5) return InvalidArgumentError("a tree head needs tree_size, root_hash, timestamp, signature and key_id");
  return head;
}

}  // namespace optin
