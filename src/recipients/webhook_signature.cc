#include "src/recipients/webhook_signature.h"

#include <sodium.h>

#include <charconv>

#include "src/common/crypto.h"

namespace optin::recipients {
namespace {

// DO NOT CHANGE: the version tag of the signature scheme.
constexpr std::string_view kVersion = "v1,";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMinKeyBytes = 16;

std::string Signature(std::string_view key, std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string signed_text;
  signed_text.reserve(id.size() + timestamp.size() + body.size() + 2);
  signed_text.append(id).append(".").append(timestamp).append(".").append(body);
  return Base64(AsBytes(HmacSha256(key, signed_text)));
}

}  // namespace

std::string NewWebhookSecret() {
  std::string bytes(kSecretBytes, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return std::string(kWebhookSecretPrefix) + Base64(bytes);
}

Result<std::string> WebhookKey(std::string_view secret) {
  if (secret.starts_with(kWebhookSecretPrefix)) secret.remove_prefix(kWebhookSecretPrefix.size());
  std::optional<std::string> key = FromBase64(secret);
  if (!key) return InvalidArgumentError("a webhook secret is `whsec_` and base64");
  if (key->size() < kMinKeyBytes) {
    return InvalidArgumentError("a webhook secret holds at least " + std::to_string(kMinKeyBytes) + " bytes");
  }
  return *std::move(key);
}

std::string SignWebhook(std::span<const std::string> keys, std::string_view id, int64_t timestamp,
                        std::string_view body) {
  const std::string seconds = std::to_string(timestamp);
  std::string header;
  for (const std::string& key : keys) {
    if (!header.empty()) header += ' ';
    header.append(kVersion).append(Signature(key, id, seconds, body));
  }
  return header;
}

Status VerifyWebhook(std::span<const std::string> keys, const WebhookHeaders& headers, std::string_view body,
                     int64_t now, int64_t tolerance) {
  if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty()) {
    return UnauthenticatedError("a delivery needs webhook-id, webhook-timestamp and webhook-signature");
  }
  int64_t timestamp = 0;
  const char* end = headers.timestamp.data() + headers.timestamp.size();
  if (auto [at, error] = std::from_chars(headers.timestamp.data(), end, timestamp); error != std::errc() || at != end) {
    return UnauthenticatedError("webhook-timestamp is not a number of seconds");
  }
  if (timestamp < now - tolerance || timestamp > now + tolerance) {
    return UnauthenticatedError("webhook-timestamp is too far from now (a replay, or a clock that is off)");
  }
  std::string_view rest = headers.signature;
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    const std::string_view one = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (!one.starts_with(kVersion)) continue;  // another scheme's signature
    const std::string_view given = one.substr(kVersion.size());
    for (const std::string& key : keys) {
      const std::string expected = Signature(key, headers.id, headers.timestamp, body);
      if (expected.size() == given.size() && sodium_memcmp(expected.data(), given.data(), given.size()) == 0) {
        return OkStatus();
      }
    }
  }
  return UnauthenticatedError("no signature in webhook-signature is by this secret over this delivery");
}

}  // namespace optin::recipients
