// File: optin/proof.h
//
// The verifiable log over the ledger, as Certificate Transparency does it
// (RFC 9162 §2.1): a Merkle tree whose leaves are the ledger's events in
// sequence order (event N is leaf N-1), signed tree heads, and the inclusion
// and consistency proofs that let anyone check, without trusting optin, that
// an event is in the log and that the log only grew. The byte formats are in
// docs/log_format.md.
//
//   leaf hash = SHA-256(0x00 || canonical event bytes)   (EncodeEvent)
//   node hash = SHA-256(0x01 || left || right)
//   the empty tree's root = SHA-256("")
//
// Thread-safety: pure functions over values; safe from any thread.
//
// Example (a verifier):
//   OPTIN_RETURN_IF_ERROR(VerifyTreeHead(head, public_key));
//   OPTIN_RETURN_IF_ERROR(VerifyInclusion(proof, head.root_hash));
#ifndef OPTIN_PROOF_H_
#define OPTIN_PROOF_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "optin/status.h"

namespace optin {

using MerkleHash = std::array<uint8_t, 32>;

MerkleHash LeafHash(std::string_view event_bytes);
MerkleHash NodeHash(const MerkleHash& left, const MerkleHash& right);
MerkleHash EmptyTreeHash();

struct InclusionProof {
  uint64_t leaf_index = 0;  // the event's sequence number minus one
  uint64_t tree_size = 0;
  MerkleHash leaf_hash{};
  std::vector<MerkleHash> audit_path;  // RFC 9162 §2.1.3.1, leaf to root
};

struct ConsistencyProof {
  uint64_t first = 0;   // the older tree size
  uint64_t second = 0;  // the newer tree size
  std::vector<MerkleHash> path;  // RFC 9162 §2.1.4.1
};

// OK when `proof` shows its leaf under `root` (RFC 9162 §2.1.3.2); otherwise
// kInvalidArgument saying what does not hold (a leaf index at or beyond the
// tree size included).
Status VerifyInclusion(const InclusionProof& proof, const MerkleHash& root);
// OK when `proof` shows that the tree of `first_root` is a prefix of the
// tree of `second_root` (RFC 9162 §2.1.4.2); otherwise kInvalidArgument. A
// proof from an empty tree (first == 0) is always refused, as in
// transparency-dev/merkle: it would prove nothing.
Status VerifyConsistency(const ConsistencyProof& proof, const MerkleHash& first_root, const MerkleHash& second_root);

// A signed tree head: the log's root at `tree_size`, signed with the log key
// (Ed25519) over TreeHeadSignedBytes().
struct SignedTreeHead {
  uint64_t tree_size = 0;
  MerkleHash root_hash{};
  int64_t timestamp = 0;  // milliseconds since the Unix epoch
  std::string key_id;     // lowercase hex: the first 8 bytes of SHA-256(public key)
  std::string signature;  // 64 bytes
  bool operator==(const SignedTreeHead&) const = default;
};

// DO NOT CHANGE: the bytes a tree head signature covers (docs/log_format.md).
std::string TreeHeadSignedBytes(const SignedTreeHead& head);
// The key id of a raw 32-byte Ed25519 public key.
std::string LogKeyId(std::string_view public_key);
// OK when `head` is signed by `public_key` (32 raw bytes) and names its id;
// otherwise kInvalidArgument saying which check failed.
Status VerifyTreeHead(const SignedTreeHead& head, std::string_view public_key);

// {"tree_size","root_hash" (hex),"timestamp","signature" (base64),"key_id"}.
std::string TreeHeadToJson(const SignedTreeHead& head);
// kInvalidArgument for malformed JSON, a missing or unknown key, or a value
// of the wrong form.
Result<SignedTreeHead> TreeHeadFromJson(std::string_view json);
// {"leaf_index","tree_size","leaf_hash","audit_path":[hex…]}.
std::string InclusionProofToJson(const InclusionProof& proof);
// {"first","second","path":[hex…]}.
std::string ConsistencyProofToJson(const ConsistencyProof& proof);

// ---- Receipts (docs/log_format.md, "Receipts"): what a customer keeps to
// prove what they said and when. A receipt file is
//   {"key_id", "public_key" (base64), "receipt": {…}, "signature" (base64)}
// where the signature (Ed25519, the log key) covers ReceiptSignedBytes() of
// the receipt object's canonical JSON.

// The canonical form of a JSON text: RFC 8785 (JCS) for the values receipts
// hold (objects with keys sorted, arrays, strings, integers, true, false,
// null; no whitespace). kInvalidArgument for malformed JSON, a repeated key
// or a number that is not an integer.
Result<std::string> CanonicalJson(std::string_view json);
// DO NOT CHANGE: "optin receipt v1\n" ‖ the canonical receipt object.
std::string ReceiptSignedBytes(std::string_view canonical_receipt);

struct ReceiptCheck {
  std::string name;    // e.g. `signature`, `inclusion`
  bool ok = false;
  std::string detail;  // what was checked, or why it failed
};

struct ReceiptVerification {
  bool ok = false;  // every check passed
  std::vector<ReceiptCheck> checks;
  bool key_from_receipt = false;  // no key was given: checked against the receipt's own
  // What the receipt says, for a summary.
  std::string subject, action, purpose, time;
  uint64_t sequence = 0;
};

// Checks a receipt file: the receipt's signature, its tree head's signature,
// that its event bytes hash to its leaf, that those bytes say what the
// receipt says (sequence, time, action, purpose, notice, channel), that the
// inclusion proof leads from the leaf to the head's root, and that the
// notice text hashes to the notice version. `public_key` (32 raw bytes) is
// the company's log key; without it the receipt's own key is used (which
// proves integrity, not origin). kInvalidArgument only when the file is not
// a receipt at all; failed checks are in the result.
Result<ReceiptVerification> VerifyReceipt(std::string_view receipt_file,
                                          std::optional<std::string> public_key = std::nullopt);

// The receipts in a file: the file itself when it is one receipt object,
// each element when it is a JSON array of them. kInvalidArgument otherwise.
Result<std::vector<std::string>> ReceiptsInFile(std::string_view text);

// A 32-byte Ed25519 public key from a PEM SubjectPublicKeyInfo (as `optin log
// key --pem` prints) or from the base64 of the raw key (GET /v1/log/key's
// `public_key`). kInvalidArgument for anything else.
Result<std::string> ParseEd25519PublicKey(std::string_view text);

}  // namespace optin

#endif  // OPTIN_PROOF_H_
