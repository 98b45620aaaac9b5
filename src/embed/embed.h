// File: src/embed/embed.h
//
// The website embed's server side (docs/embed.md): a property's config as
// the loader reads it (the notices of the purposes it shows, in one
// locale, with the tags of each and the texts of the banner and dialog),
// the visitor's pseudonymous subject id and the two cookies that carry it
// and their choice, and the body of a choice the embed posts.
// The front end that serves them is src/server/handlers/embed.cc; the
// scripts are web/embed/.
//
// Thread-safety: pure functions (NewVisitorId reads libsodium's random
// source, which is thread-safe).
#ifndef OPTIN_SRC_EMBED_EMBED_H_
#define OPTIN_SRC_EMBED_EMBED_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optin/catalog.h"
#include "optin/engine.h"
#include "optin/signals.h"
#include "optin/status.h"

namespace optin::embed {

// DO NOT CHANGE: the names of the embed's cookies are part of what a
// website's pages and its privacy notice describe.
inline constexpr std::string_view kVisitorCookie = "optin_vid";  // HttpOnly: the subject id
inline constexpr std::string_view kStateCookie = "optin_state";  // readable: the choice, no id

// Whether `origin` (as a browser sends it) may load `property`.
bool IsAllowedOrigin(const Property& property, std::string_view origin);

// What pins the notices a property shows: the first 8 hex digits of the
// SHA-256 of their notice versions, in order. The state cookie carries the
// one its choice was made under; a different one means a notice changed.
std::string NoticesTag(const Catalog& catalog, const Property& property);

// The config the loader fetches (`GET /v1/embed/{property}/config`): the
// property's purposes with their notices in `locale` (which must be one of
// the catalog's), their tags, signal settings, the texts of the banner and
// dialog, and the paths of the versioned UI script and style.
std::string ConfigJson(const Catalog& catalog, const Property& property, std::string_view locale,
                       std::string_view ui_script, std::string_view ui_style);

// Leaves in `signals` only what the property speaks: the TC string when it
// has `tcf: true`, the GPP sections of its `gpp_sections`.
void KeepPropertySignals(SubjectSignals& signals, const Property& property);

// A new visitor's subject id: `visitor:PROPERTY:` and 22 base64url
// characters (128 random bits), pseudonymous and unguessable.
std::string NewVisitorId(std::string_view property);
// Whether `id` has the form NewVisitorId makes (for `property`, when given):
// only such ids are taken from a cookie, so that a forged cookie cannot
// name an account's subject.
bool IsVisitorId(std::string_view id, std::string_view property = {});
// The property of a visitor id; "" for another id.
std::string_view VisitorProperty(std::string_view id);

// The subject the visitor cookie's value stands for: a visitor id of
// `property`, or (`account.TOKEN`, set by LinkVisitor) the account's
// subject while its token lasts; nullopt for anything else (a new visitor).
std::optional<std::string> CookieSubject(const Engine& engine, std::string_view cookie, std::string_view property);

// What linking a visitor to a signed-in customer's account did.
struct LinkedVisitor {
  bool visitor_erased = false;       // the visitor's own record, if any, is gone
  std::vector<std::string> cookies;  // Set-Cookie values for the site to send
};

// Links `visitor` (a visitor id of `property`, read from the site's
// `optin_vid` cookie) to the account subject `account`: nothing is merged.
// The visitor's own record is erased, and the two cookies returned make the
// browser the account's from then on: its choices are recorded for the
// account, and the embed shows the account's choices. kInvalidArgument for
// a visitor id that is not one of the property's.
Result<LinkedVisitor> LinkVisitor(Engine& engine, const Catalog& catalog, const Property& property,
                                  std::string_view visitor, std::string_view account);

// Erases the record of every visitor whose latest event is older than its
// property's visitor_retention at `now` (13 months for a property no longer
// in the catalog): what `optin serve` runs every hour (the first time ten
// minutes after it starts). Scans the whole ledger. Returns how many it
// erased.
Result<size_t> EraseLapsedVisitors(Engine& engine, int64_t now);

// The value of cookie `name` in a `Cookie` header; nullopt when absent.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// A `Set-Cookie` value for `property` (its cookie domain; `Secure` unless
// the property's origins are plain http on a loopback host, a developer's).
// `max_age` in seconds; 0 deletes the cookie.
std::string SetCookie(const Property& property, std::string_view name, std::string_view value, int64_t max_age,
                      bool http_only);

// The state cookie's value after a choice: `PURPOSE=1|0` for each purpose
// the property shows (allowed or not), `_c` the granted Consent Mode types
// as a bit set over kConsentModeTypes, `_n` the NoticesTag and `_t` the
// time in seconds since the Unix epoch, joined by `&` (URLSearchParams
// reads it).
std::string StateCookieValue(const Catalog& catalog, const Property& property,
                             const std::vector<PurposeDecision>& decisions, int64_t now_micros);

// A choice posted by the embed (`POST /v1/embed/{property}/choices`).
struct VisitorChoice {
  std::vector<std::string> granted;   // shown purposes the visitor said yes to
  std::vector<std::string> declined;  // and no to
  std::string key;                    // idempotency key the embed made
  std::string notices;                // the NoticesTag of the config the page showed; "" when not said
  std::string locale;                 // of the receipts; "" for the property's
  // The page read `navigator.globalPrivacyControl`: Global Privacy Control
  // as the `Sec-GPC` header would say it.
  bool gpc = false;
  bool gpc_conflict_acknowledged = false;
};

// Reads a choice's JSON body: `{"granted":[…],"declined":[…],"key":"…",
// "notices":"…","locale":"…","gpc":bool,"gpc_conflict_acknowledged":bool}`. Every purpose must be one
// the property shows and is based on consent, each named once.
// kInvalidArgument naming the problem otherwise.
Result<VisitorChoice> ParseVisitorChoice(std::string_view body, const Catalog& catalog, const Property& property);

// The seconds from `now_micros` to the end of the property's
// visitor_retention after it (calendar months).
int64_t VisitorRetentionSeconds(const Property& property, int64_t now_micros);

}  // namespace optin::embed

#endif  // OPTIN_SRC_EMBED_EMBED_H_
