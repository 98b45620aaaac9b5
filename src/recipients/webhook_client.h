// File: src/recipients/webhook_client.h
//
// Sending one webhook delivery over HTTP(S): a POST with a time limit, the
// answer's status, Retry-After and the first 1 KB of its body. It guards
// the address (server-side request forgery): https only, unless http is
// allowed (tests on loopback); never a redirect followed; a host that
// resolves to a private, loopback, link-local or otherwise non-public
// address is refused unless such addresses are allowed.
//
// Thread-safety: PostWebhook may run on many threads at once.
#ifndef OPTIN_RECIPIENTS_WEBHOOK_CLIENT_H_
#define OPTIN_RECIPIENTS_WEBHOOK_CLIENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optin/engine.h"

namespace optin::recipients {

struct WebhookClientOptions {
  bool allow_http = false;     // http:// URLs (for a recipient on loopback in tests)
  bool allow_private = false;  // private, loopback and link-local addresses
  int timeout_ms = 10'000;     // for the whole exchange
  // A PEM file of certificate authorities trusted besides the system's
  // (a company's private CA; serve --recipient-ca). Empty: the system's only.
  std::string ca_file;
};

// Whether the address `ip` (dotted IPv4 or IPv6 text) may be sent to: a
// public unicast address, or any when `allow_private`. False for text that
// is no address.
bool AddressAllowed(std::string_view ip, bool allow_private);

SendOutcome PostWebhook(const WebhookClientOptions& options, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);

}  // namespace optin::recipients

#endif  // OPTIN_RECIPIENTS_WEBHOOK_CLIENT_H_
