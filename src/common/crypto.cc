#include "src/common/crypto.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace optin {

Status InitCrypto() {
  if (sodium_init() < 0) return InternalError("libsodium could not be initialised");
  return OkStatus();
}

namespace {

// SHA-256 comes from OpenSSL's libcrypto, which uses the CPU's SHA
// instructions where it has them: about 4x libsodium's portable code on the
// short inputs of the hash chain and the Merkle tree, which every start
// replays in full.
const EVP_MD* Sha256Method() {
  static const EVP_MD* method = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // kept for the process
  return method;
}

// A digest that cannot be computed leaves nothing safe to do: every hash
// link and proof would be wrong.
void Require(bool ok) {
  if (ok) return;
  std::fputs("optin: libcrypto could not compute SHA-256\n", stderr);
  std::abort();
}

struct DigestContext {
  DigestContext() : ctx(EVP_MD_CTX_new()) { Require(ctx != nullptr); }
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
  EVP_MD_CTX* ctx;
};

template <typename... Parts>
Hash Digest(Parts... parts) {
  thread_local DigestContext context;
  Require(EVP_DigestInit_ex(context.ctx, Sha256Method(), nullptr) == 1);
  (Require(EVP_DigestUpdate(context.ctx, parts.data(), parts.size()) == 1), ...);
  Hash out;
  unsigned int size = 0;
  Require(EVP_DigestFinal_ex(context.ctx, out.data(), &size) == 1 && size == kHashSize);
  return out;
}

}  // namespace

Hash Sha256(std::string_view data) { return Digest(data); }

Hash Sha256(std::string_view a, std::string_view b) { return Digest(a, b); }

Hash HmacSha256(const SecretKey& key, std::string_view data) {
  static_assert(kSecretKeySize == crypto_auth_hmacsha256_KEYBYTES);
  Hash out;
  crypto_auth_hmacsha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                         key.data());
  return out;
}

Hash HmacSha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  Hash out;
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);
  return out;
}

namespace {

// Random bytes for nonces and keys, drawn from the system CSPRNG a block at a
// time instead of one system call per nonce. A forked child starts with an
// empty buffer (see the atfork handler), so no two processes share bytes.
constexpr size_t kRandomBlock = 4096;
thread_local unsigned char random_block[kRandomBlock];
thread_local size_t random_left = 0;

void ForgetRandomBlockInChild() { random_left = 0; }

void RandomBytes(unsigned char* out, size_t n) {
  static const bool registered = (pthread_atfork(nullptr, nullptr, ForgetRandomBlockInChild), true);
  (void)registered;
  if (n > kRandomBlock / 4) {
    randombytes_buf(out, n);
    return;
  }
  if (random_left < n) {
    randombytes_buf(random_block, kRandomBlock);
    random_left = kRandomBlock;
  }
  unsigned char* from = random_block + (kRandomBlock - random_left);
  std::memcpy(out, from, n);
  sodium_memzero(from, n);  // used bytes do not linger
  random_left -= n;
}

}  // namespace

SecretKey RandomKey() {
  SecretKey key;
  RandomBytes(key.data(), key.size());
  return key;
}

std::string Seal(const SecretKey& key, std::string_view plain) {
  static_assert(kSecretKeySize == crypto_secretbox_KEYBYTES);
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  RandomBytes(p, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(p + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), p, key.data());
  return out;
}

std::optional<std::string> Open(const SecretKey& key, std::string_view sealed) {
  constexpr size_t kOverhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < kOverhead) return std::nullopt;
  std::string out(sealed.size() - kOverhead, '\0');
  const auto* p = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), p + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, p, key.data()) != 0) {
    return std::nullopt;
  }
  return out;
}

namespace {

std::string EncodeBase64(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// The whole of `text`, or nullopt.
std::optional<std::string> DecodeBase64(std::string_view text, int variant) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string Base64(std::string_view bytes) { return EncodeBase64(bytes, sodium_base64_VARIANT_ORIGINAL); }

std::optional<std::string> FromBase64(std::string_view text) {
  return DecodeBase64(text, sodium_base64_VARIANT_ORIGINAL);
}

std::string Base64Url(std::string_view bytes) {
  return EncodeBase64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  return DecodeBase64(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string_view AsBytes(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<uint8_t>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace optin
