// File: src/recipients/webhook_signature.h
//
// Signing what optin posts to a recipient's webhook, and checking such a
// signature, as Standard Webhooks v1 does (https://www.standardwebhooks.com,
// "Signature scheme"): the `webhook-signature` header holds `v1,` and the
// base64 of HMAC-SHA-256, keyed with the secret's bytes, over
// `webhook-id.webhook-timestamp.body`. A recipient verifies it with any
// Standard Webhooks library. While a secret is rotated, both the old and the
// new secret sign (space-separated signatures), so that a recipient holding
// either accepts the delivery.
//
// Thread-safety: pure functions (NewWebhookSecret draws from the CSPRNG).
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(std::string key, WebhookKey(secret));
//   const std::string keys[] = {key};
//   headers.emplace_back("webhook-signature", SignWebhook(keys, id, now_s, body));
#ifndef OPTIN_RECIPIENTS_WEBHOOK_SIGNATURE_H_
#define OPTIN_RECIPIENTS_WEBHOOK_SIGNATURE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "optin/status.h"

namespace optin::recipients {

// DO NOT CHANGE: the prefix every Standard Webhooks secret carries.
inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
// How far a signed timestamp may be from the verifier's clock (the
// standard's five minutes), against replays.
inline constexpr int64_t kWebhookToleranceSeconds = 300;

// A new signing secret: `whsec_` and the base64 of 32 random bytes.
std::string NewWebhookSecret();
// The key bytes of a secret (with or without `whsec_`); kInvalidArgument
// when the rest is not base64 or holds fewer than 16 bytes.
Result<std::string> WebhookKey(std::string_view secret);

// The `webhook-signature` header value for a delivery: one `v1,SIGNATURE`
// per key, separated by spaces. `timestamp` is in seconds since the epoch.
std::string SignWebhook(std::span<const std::string> keys, std::string_view id, int64_t timestamp,
                        std::string_view body);

// The three headers of a delivery as received.
struct WebhookHeaders {
  std::string_view id;         // webhook-id
  std::string_view timestamp;  // webhook-timestamp, decimal seconds
  std::string_view signature;  // webhook-signature
};
// OK when one of the `v1` signatures in the header is by one of `keys` over
// this id, timestamp and body, and the timestamp is within `tolerance`
// seconds of `now`; kUnauthenticated saying which check failed otherwise.
Status VerifyWebhook(std::span<const std::string> keys, const WebhookHeaders& headers, std::string_view body,
                     int64_t now, int64_t tolerance = kWebhookToleranceSeconds);

}  // namespace optin::recipients

#endif  // OPTIN_RECIPIENTS_WEBHOOK_SIGNATURE_H_
