// File: src/server/authorize.h
//
// Who may call what: one pure function over the caller, the route's access
// rule and the subject the request is about. The router asks it before any
// handler runs; nothing else in the server decides access.
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

}  // namespace optin::server

#endif  // OPTIN_SERVER_AUTHORIZE_H_
