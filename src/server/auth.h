// File: src/server/auth.h
//
// Who is calling: an API key (`Authorization: Bearer optin_...`) resolved to
// its scope, or a customer holding a preference-center link token, who may
// reach their own record and nothing else. Keys are kept in memory as their
// SHA-256 and reloaded from the store at most every kKeyReloadMicros, so
// `optin key revoke` takes effect on a running server within that time. Keys
// and tokens are never logged.
//
// Thread-safety: Authenticate() may be called from many threads at once.
#ifndef OPTIN_SERVER_AUTH_H_
#define OPTIN_SERVER_AUTH_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "optin/engine.h"

namespace optin::server {

// How often keys are read again (microseconds on the engine's clock).
constexpr int64_t kKeyReloadMicros = 1'000'000;

struct Principal {
  bool authenticated = false;
  Scope scope = Scope::kCheck;
  std::string name;     // the key's name, for logs and metrics (never the key)
  std::string subject;  // set for a link token: the only subject it reaches
  int64_t expires = 0;  // link tokens: when they stop working
  std::string recipient;  // a recipient's key: whose

  bool IsCustomer() const { return authenticated && !subject.empty(); }
  bool IsKey() const { return authenticated && subject.empty(); }
  bool MayCheck() const { return IsKey(); }
  bool MayWrite() const { return IsKey() && (scope == Scope::kWrite || scope == Scope::kAdmin); }
  bool IsRecipient(std::string_view id) const { return IsKey() && scope == Scope::kRecipient && recipient == id; }
  bool IsAdmin() const { return IsKey() && scope == Scope::kAdmin; }
  // May read and change this subject's own record.
  bool MayActFor(std::string_view s) const { return MayWrite() || (IsCustomer() && subject == s); }
};

// The token of an `Authorization: Bearer TOKEN` value (RFC 6750 §2.1: the
// scheme in any case, one or more spaces, a b64token; whitespace around the
// value is ignored). kUnauthenticated naming what is wrong otherwise.
Result<std::string_view> ParseBearer(std::string_view authorization);

class Authenticator {
 public:
  explicit Authenticator(Engine& engine) : engine_(engine) {}

  // The principal behind an Authorization header value. An absent header is
  // an unauthenticated principal; a header that names no valid key is
  // kUnauthenticated.
  Result<Principal> Authenticate(std::string_view authorization);
  // Reads the keys now (they are read again at most every kKeyReloadMicros).
  Status Load();

 private:
  Status ReloadIfStale();

  Engine& engine_;
  std::mutex mu_;
  std::map<std::string, ApiKeyInfo> by_hash_;
  int64_t loaded_ = 0;  // when the keys were last read; 0: never
};

}  // namespace optin::server

#endif  // OPTIN_SERVER_AUTH_H_
