// File: src/common/crypto.h
//
// The cryptographic primitives optin uses: SHA-256 (OpenSSL's libcrypto, for
// its use of the CPU's SHA instructions) for hash links, so anyone can
// recheck them with standard tools; and from libsodium HMAC-SHA-256 for
// subject look-up keys, XSalsa20-Poly1305 (crypto_secretbox) for the
// per-subject encryption that makes erasure possible, and a CSPRNG.
//
// Thread-safety: all functions are thread-safe once InitCrypto() returned.
#ifndef OPTIN_COMMON_CRYPTO_H_
#define OPTIN_COMMON_CRYPTO_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "optin/status.h"

namespace optin {

constexpr size_t kHashSize = 32;
constexpr size_t kSecretKeySize = 32;
using Hash = std::array<uint8_t, kHashSize>;
using SecretKey = std::array<uint8_t, kSecretKeySize>;

// Initialises libsodium. Safe to call many times; fails only if the platform
// offers no secure randomness.
Status InitCrypto();

Hash Sha256(std::string_view data);
// SHA-256 over the concatenation of `a` and `b`, without copying them.
Hash Sha256(std::string_view a, std::string_view b);
Hash HmacSha256(const SecretKey& key, std::string_view data);
// HMAC-SHA-256 with a key of any length (RFC 2104), such as a webhook
// recipient's signing secret.
Hash HmacSha256(std::string_view key, std::string_view data);
SecretKey RandomKey();

// Encrypts `plain` under `key` with a fresh random nonce; the result is
// nonce (24 bytes) followed by the authenticated ciphertext.
std::string Seal(const SecretKey& key, std::string_view plain);
// Inverse of Seal. nullopt when the box was altered or the key is wrong.
std::optional<std::string> Open(const SecretKey& key, std::string_view sealed);

// Standard base64 with padding (RFC 4648 §4), for signatures and keys.
std::string Base64(std::string_view bytes);
// Inverse of Base64; nullopt unless the whole of `text` is base64.
std::optional<std::string> FromBase64(std::string_view text);
// Base64url without padding (RFC 4648 §5).
std::string Base64Url(std::string_view bytes);
// Inverse of Base64Url; nullopt when `text` is not unpadded base64url.
std::optional<std::string> FromBase64Url(std::string_view text);
std::string_view AsBytes(const Hash& h);
std::string ToHex(std::string_view bytes);
inline std::string ToHex(const Hash& h) { return ToHex(AsBytes(h)); }
// Lowercase or uppercase hex of exactly 2 * N digits; nullopt otherwise.
std::optional<std::string> FromHex(std::string_view hex);

}  // namespace optin

#endif  // OPTIN_COMMON_CRYPTO_H_
