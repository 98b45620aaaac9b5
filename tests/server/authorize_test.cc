// Who may call what (docs/api.md, "Endpoints"): every route of the table
// against every kind of caller, checked through Authorize() as the router
// calls it. A route added to the table without a row here fails the test.
#include "src/server/authorize.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <map>
#include <set>

#include "src/server/openapi.h"
#include "src/server/routes.h"
#include "tests/support/test_support.h"

namespace optin::server {
namespace {

enum class Caller {
  kNone, kBadKey, kCheckKey, kWriteKey, kAdminKey, kOwnLink, kOtherLink, kExpiredLink, kRecipientKey, kOtherRecipientKey
};

constexpr Caller kCallers[] = {Caller::kNone,        Caller::kBadKey,      Caller::kCheckKey,
                               Caller::kWriteKey,    Caller::kAdminKey,    Caller::kOwnLink,
                               Caller::kOtherLink,   Caller::kExpiredLink, Caller::kRecipientKey,
                               Caller::kOtherRecipientKey};

const char* Name(Caller c) {
  switch (c) {
    case Caller::kNone: return "no credentials";
    case Caller::kBadKey: return "an unknown key";
    case Caller::kCheckKey: return "a check key";
    case Caller::kWriteKey: return "a write key";
    case Caller::kAdminKey: return "an admin key";
    case Caller::kOwnLink: return "alice's link";
    case Caller::kOtherLink: return "bob's link";
    case Caller::kExpiredLink: return "an expired link";
    case Caller::kRecipientKey: return "recipient alice's key";
    case Caller::kOtherRecipientKey: return "recipient bob's key";
  }
  return "?";
}

// What Authenticator::Authenticate makes of each caller.
Result<Principal> Who(Caller c) {
  Principal p;
  switch (c) {
    case Caller::kNone: return p;
    case Caller::kBadKey: return UnauthenticatedError("the API key is not valid (unknown or revoked)");
    case Caller::kExpiredLink: return UnauthenticatedError("the link has expired; ask for a new one");
    case Caller::kOwnLink:
    case Caller::kOtherLink:
      p.authenticated = true;
      p.subject = c == Caller::kOwnLink ? "alice" : "bob";
      p.name = "link";
      return p;
    case Caller::kCheckKey:
    case Caller::kWriteKey:
    case Caller::kAdminKey:
      p.authenticated = true;
      p.scope = c == Caller::kCheckKey ? Scope::kCheck : c == Caller::kWriteKey ? Scope::kWrite : Scope::kAdmin;
      p.name = "k";
      return p;
    case Caller::kRecipientKey:
    case Caller::kOtherRecipientKey:
      p.authenticated = true;
      p.scope = Scope::kRecipient;
      p.recipient = c == Caller::kRecipientKey ? "alice" : "bob";
      p.name = "r";
      return p;
  }
  return p;
}

// Who may call each route, as docs/api.md states it: `public`, or the
// callers by name (`check`, `write`, `admin` keys; `own`/`other` links;
// `recipient`/`other_recipient`: the keys of recipients `alice` and `bob`).
const std::map<std::string, std::set<std::string>> kExpected = {
    {"GET /healthz", {"public"}},
    {"GET /metrics", {"public"}},
    {"GET /v1/openapi.json", {"public"}},
    {"GET /v1/purposes", {"public"}},
    {"GET /.well-known/gpc.json", {"public"}},
    {"GET /v1/log/head", {"public"}},
    {"GET /v1/log/key", {"public"}},
    {"GET /v1/log/proof/inclusion", {"public"}},
    {"GET /v1/log/proof/consistency", {"public"}},
    {"GET /", {"public"}},
    {"GET /p/{token*}", {"public"}},
    {"GET /u/{token*}", {"public"}},  // the token is checked by the handler: it opens one opt-out
    {"POST /u/{token*}", {"public"}},
    {"GET /static/{file*}", {"public"}},
    // The website embed: a shop's visitors have no key (the property's
    // origins and the visitor's cookie are checked by the handlers).
    {"GET /v1/embed/{name}", {"public"}},
    {"GET /demo/shop", {"public"}},
    {"POST /v1/subjects/{id}/link-visitor", {"write", "admin"}},
    {"GET /v1/embed/{property}/config", {"public"}},
    {"POST /v1/embed/{property}/choices", {"public"}},
    {"POST /v1/check", {"check", "write", "admin", "recipient", "other_recipient"}},
    {"POST /v1/check/batch", {"check", "write", "admin", "recipient", "other_recipient"}},
    {"GET /v1/changes", {"write", "admin"}},
    {"GET /v1/recipients", {"admin"}},
    {"GET /v1/usage/denied", {"admin"}},
    // The `{id}` is the recipient's: its own key, or an admin.
    {"POST /v1/recipients/{id}/acks", {"admin", "recipient"}},
    {"GET /v1/session", {"own", "other"}},  // any link: the session is always its own
    {"DELETE /v1/subjects/{id}", {"admin"}},
    {"GET /v1/subjects/{id}/consents", {"write", "admin", "own"}},
    {"DELETE /v1/subjects/{id}/consents", {"write", "admin", "own"}},
    {"PUT /v1/subjects/{id}/consents/{purpose}", {"write", "admin", "own"}},
    {"DELETE /v1/subjects/{id}/consents/{purpose}", {"write", "admin", "own"}},
    {"GET /v1/subjects/{id}/history", {"write", "admin", "own"}},
    {"POST /v1/subjects/{id}/link", {"admin"}},
    {"POST /v1/subjects/{id}/unsubscribe-link", {"admin"}},
    {"GET /v1/subjects/{id}/deliveries", {"write", "admin", "own"}},
    {"GET /v1/subjects/{id}/usage", {"write", "admin", "own"}},
    {"GET /v1/subjects/{id}/signals", {"write", "admin", "own"}},
    {"POST /v1/subjects/{id}/signals", {"write", "admin", "own"}},
    {"GET /v1/subjects/{id}/receipts", {"write", "admin", "own"}},
    {"GET /v1/subjects/{id}/export", {"admin", "own"}},
};

bool ExpectedAllowed(const std::set<std::string>& who, Caller c) {
  if (who.contains("public")) return true;
  switch (c) {
    case Caller::kCheckKey: return who.contains("check");
    case Caller::kWriteKey: return who.contains("write");
    case Caller::kAdminKey: return who.contains("admin");
    case Caller::kOwnLink: return who.contains("own");
    case Caller::kOtherLink: return who.contains("other");
    case Caller::kRecipientKey: return who.contains("recipient");
    case Caller::kOtherRecipientKey: return who.contains("other_recipient");
    default: return false;
  }
}

TEST(Authorize, EveryRouteAgainstEveryKindOfCaller) {
  std::set<std::string> seen;
  for (const Route& route : Routes()) {
    const std::string name = std::string(route.method) + " " + std::string(route.pattern);
    seen.insert(name);
    auto expected = kExpected.find(name);
    ASSERT_NE(expected, kExpected.end()) << name << " has no row in this test";
    for (Caller c : kCallers) {
      const Result<Principal> who = Who(c);
      // The subject in the path is alice's; a session's is the link's own.
      const std::string subject =
          route.access == Access::kCustomer && who.ok() ? who->subject : std::string("alice");
      const AccessDecision d = Authorize(who, route.access, subject);
      const bool allowed = ExpectedAllowed(expected->second, c);
      EXPECT_EQ(d.allowed, allowed) << name << " by " << Name(c) << ": " << d.reason.message();
      if (allowed) {
        EXPECT_TRUE(d.reason.ok()) << name << " by " << Name(c);
        continue;
      }
      // 401 for callers not known; 403 for known callers who may not.
      const bool known = c != Caller::kNone && c != Caller::kBadKey && c != Caller::kExpiredLink;
      EXPECT_EQ(d.reason.code(), known ? StatusCode::kPermissionDenied : StatusCode::kUnauthenticated)
          << name << " by " << Name(c);
      EXPECT_FALSE(d.reason.message().empty()) << name << " by " << Name(c);
    }
  }
  EXPECT_EQ(seen.size(), kExpected.size()) << "a row of this test names a route the table does not have";
}

TEST(Authorize, ABadCredentialIsToldWhatWasWrongWithIt) {
  AccessDecision d = Authorize(Who(Caller::kExpiredLink), Access::kSubject, "alice");
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason.message(), ::testing::HasSubstr("expired"));
  d = Authorize(Who(Caller::kOtherLink), Access::kSubject, "alice");
  EXPECT_THAT(d.reason.message(), ::testing::HasSubstr("another record"));
}

TEST(Routes, EachPathMatchesOnePatternWithItsMethods) {
  std::optional<RouteMatch> m = MatchRoute("/v1/subjects/al%20ice/consents/ads");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->pattern, "/v1/subjects/{id}/consents/{purpose}");
  EXPECT_EQ(m->allow, "PUT, DELETE");
  ASSERT_EQ(m->capture_count, 2u);
  EXPECT_EQ(m->captures[0], "al%20ice");
  EXPECT_EQ(m->captures[1], "ads");
  m = MatchRoute("/static/i18n/ja.json");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->capture_count, 1u);
  EXPECT_EQ(m->captures[0], "i18n/ja.json");
  for (const char* path : {"", "v1/check", "/v1/check/", "/v1//consents", "/p/", "/static/", "//healthz"}) {
    EXPECT_FALSE(MatchRoute(path).has_value()) << path;
  }
  // A pattern's rows are consecutive, its methods distinct, and it has at
  // most kMaxRouteParameters parameters.
  std::string_view previous;
  std::set<std::string_view> seen_patterns;
  for (const Route& route : Routes()) {
    if (route.pattern != previous) {
      EXPECT_TRUE(seen_patterns.insert(route.pattern).second) << route.pattern << " is split";
    }
    previous = route.pattern;
    EXPECT_LE(size_t(std::count(route.pattern.begin(), route.pattern.end(), '{')), kMaxRouteParameters);
    size_t same = 0;
    for (const Route& other : Routes()) same += other.pattern == route.pattern && other.method == route.method;
    EXPECT_EQ(same, 1u) << route.method << " " << route.pattern;
  }
}

TEST(OpenApi, TheDocumentIsMadeFromEveryRouteWithSchemasThatExist) {
  Result<std::string> doc = OpenApiJson();
  ASSERT_THAT(doc, ::optin::testing::IsOk());
  // Every route's help is its operation's summary (tests/openapi checks the
  // document itself and the live answers).
  for (const Route& route : Routes()) {
    EXPECT_NE(doc->find("\"summary\":\"" + std::string(route.help) + "\""), std::string::npos) << route.pattern;
  }
}

TEST(RecordingChannel, OnlyAnAdminKeyNamesAnotherChannel) {
  for (Caller c : {Caller::kCheckKey, Caller::kWriteKey, Caller::kAdminKey, Caller::kOwnLink}) {
    const Principal who = *Who(c);
    const std::string own = c == Caller::kOwnLink ? "web" : "api";
    EXPECT_EQ(RecordingChannel(who, "").value_or(""), own) << Name(c);
    EXPECT_EQ(RecordingChannel(who, own).value_or(""), own) << Name(c);
    Result<std::string> other = RecordingChannel(who, "import");
    if (c == Caller::kAdminKey) {
      EXPECT_EQ(other.value_or(""), "import");
    } else {
      EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied) << Name(c);
      EXPECT_THAT(other.status().message(), ::testing::HasSubstr("only an `admin` key may name another channel"));
    }
  }
}

}  // namespace
}  // namespace optin::server
