// File: src/server/authorize.h
//
// Who may call what: one pure function over the caller, the route's access
// rule and the subject the request is about, which the router asks before
// any handler runs; and one over the caller and the channel a write asks to
// be recorded with, which the consent handlers ask. Nothing else in the
// server decides access.
//
// Thread-safety: pure functions.
#ifndef OPTIN_SERVER_AUTHORIZE_H_
#define OPTIN_SERVER_AUTHORIZE_H_

#include <string_view>

#include "optin/status.h"
#include "src/server/auth.h"

namespace optin::server {

// The access rule of a route (its row in routes.cc).
enum class Access {
  kPublic,         // anyone, without credentials
  kCheck,          // any API key
  kWrite,          // a `write` or `admin` key
  kAdmin,          // an `admin` key
  kSubject,        // a `write` or `admin` key, or the subject's own link token
  kSubjectExport,  // an `admin` key, or the subject's own link token
  kCustomer,       // a link token: the customer's own session
  kRecipient,      // an `admin` key, or the key of the recipient `{id}`
};

struct AccessDecision {
  bool allowed = false;
  // When not allowed: kUnauthenticated (401: the caller is not known) or
  // kPermissionDenied (403: a known caller who may not do this), saying why.
  Status reason;
};

// `who` is what Authenticator::Authenticate made of the request's
// Authorization header (an error when it named no valid key or token);
// `subject` the decoded `{id}` of the path, empty when the route has none.
AccessDecision Authorize(const Result<Principal>& who, Access access, std::string_view subject);

// The channel a write by `who` is recorded with: its own (`web` for a link
// token, the customer acting; `api` for a key) when `requested` is empty or
// the same; another only for an `admin` key (an import, a call centre);
// kPermissionDenied otherwise.
Result<std::string> RecordingChannel(const Principal& who, std::string_view requested);

}  // namespace optin::server

#endif  // OPTIN_SERVER_AUTHORIZE_H_
