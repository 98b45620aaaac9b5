// Signed tree heads and the log key (docs/log_format.md).
#include <sodium.h>

#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/proof/log_key.h"

namespace optin {
namespace {

// DO NOT CHANGE: the signed tree head format.
constexpr std::string_view kTreeHeadLabel = "optin tree head v1\n";
constexpr size_t kKeyIdBytes = 8;

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string_view View(const MerkleHash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

}  // namespace

std::string TreeHeadSignedBytes(const SignedTreeHead& head) {
  std::string out(kTreeHeadLabel);
  PutU64(out, head.tree_size);
  PutU64(out, static_cast<uint64_t>(head.timestamp));
  out.append(View(head.root_hash));
  return out;
}

std::string LogKeyId(std::string_view public_key) {
  const Hash h = Sha256(public_key);
  return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), kKeyIdBytes));
}

Status VerifyTreeHead(const SignedTreeHead& head, std::string_view public_key) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) return InvalidArgumentError("a log public key has 32 bytes");
  if (head.key_id != LogKeyId(public_key)) {
    return InvalidArgumentError("the head is signed with key `" + head.key_id + "`, not with this key (`" +
                                LogKeyId(public_key) + "`)");
  }
  if (Status s = internal::VerifyBytes(TreeHeadSignedBytes(head), head.signature, public_key); !s.ok()) {
    return InvalidArgumentError("the tree head's signature does not verify: " + s.message());
  }
  return OkStatus();
}

std::string TreeHeadToJson(const SignedTreeHead& head) {
  JsonWriter w;
  w.BeginObject().Key("tree_size").Uint(head.tree_size).Key("root_hash").String(ToHex(View(head.root_hash)));
  w.Key("timestamp").Int(head.timestamp).Key("signature").String(Base64(head.signature));
  w.Key("key_id").String(head.key_id).EndObject();
  return std::move(w).Take();
}

namespace internal {

LogKey NewLogKey() {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  LogKey key;
  key.public_key.assign(reinterpret_cast<const char*>(pk), sizeof pk);
  key.private_key.assign(reinterpret_cast<const char*>(sk), sizeof sk);
  sodium_memzero(sk, sizeof sk);
  key.key_id = LogKeyId(key.public_key);
  return key;
}

std::string SignBytes(std::string_view message, const LogKey& key) {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key.private_key.data()));
  return std::string(reinterpret_cast<const char*>(sig), sizeof sig);
}

Status VerifyBytes(std::string_view message, std::string_view signature, std::string_view public_key) {
  if (signature.size() != crypto_sign_BYTES) return InvalidArgumentError("an Ed25519 signature has 64 bytes");
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) return InvalidArgumentError("an Ed25519 public key has 32 bytes");
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                  reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return InvalidArgumentError("the Ed25519 signature is not valid for this key");
  }
  return OkStatus();
}

SignedTreeHead SignTreeHead(uint64_t size, const MerkleHash& root, int64_t timestamp, const LogKey& key) {
  SignedTreeHead head;
  head.tree_size = size;
  head.root_hash = root;
  head.timestamp = timestamp;
  head.key_id = key.key_id;
  head.signature = SignBytes(TreeHeadSignedBytes(head), key);
  return head;
}

}  // namespace internal
}  // namespace optin
