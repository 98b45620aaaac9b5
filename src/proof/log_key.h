// File: src/proof/log_key.h
//
// The log's Ed25519 signing key and the signing of tree heads. The private
// key never leaves the store (docs/log_format.md, "Keys").
//
// Thread-safety: values and pure functions.
#ifndef OPTIN_PROOF_LOG_KEY_H_
#define OPTIN_PROOF_LOG_KEY_H_

#include <string>

#include "optin/proof.h"

namespace optin::internal {

struct LogKey {
  std::string key_id;       // LogKeyId(public_key)
  std::string public_key;   // 32 bytes
  std::string private_key;  // 64 bytes (libsodium's seed ‖ public key form)
};

// A new random key.
LogKey NewLogKey();

// Signs the head of a tree of `size` leaves with root `root` at `timestamp`
// (milliseconds since the epoch).
SignedTreeHead SignTreeHead(uint64_t size, const MerkleHash& root, int64_t timestamp, const LogKey& key);

// A detached Ed25519 signature of `message` (64 bytes).
std::string SignBytes(std::string_view message, const LogKey& key);
// OK when `signature` is `public_key`'s over `message`; kInvalidArgument otherwise.
Status VerifyBytes(std::string_view message, std::string_view signature, std::string_view public_key);

}  // namespace optin::internal

#endif  // OPTIN_PROOF_LOG_KEY_H_
