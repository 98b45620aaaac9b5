// The website embed (docs/embed.md): its scripts, a property's config, and
// the choices its visitors make. The embed's own logic is src/embed/.
#include <iostream>
#include <mutex>
#include <set>

#include "src/catalog/locale.h"
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/embed/embed.h"
#include "src/server/handlers/handlers.h"
#include "src/server/handlers/json_body.h"
#include "src/server/request.h"
#include "src/server/web_assets.h"

namespace optin::server {
namespace {

// How long a browser keeps the loader (its URL never changes) and the
// config before asking again with If-None-Match (seconds).
constexpr std::string_view kLoaderCache = "public, max-age=3600";
constexpr std::string_view kConfigCache = "public, max-age=300";
// The UI's files are named by the hash of their bytes: never stale.
constexpr std::string_view kVersionedCache = "public, max-age=31536000, immutable";
// Origins refused and logged per property, at most: an attacker cannot fill
// the log.
constexpr size_t kMaxLoggedOrigins = 1000;

// The embed's UI script and style, named by the first 8 hex digits of the
// SHA-256 of their bytes, made once.
struct Versioned {
  std::string script, style;  // e.g. `ui.0123abcd.js`
};
const Versioned& UiFiles() {
  static const Versioned files = [] {
    auto name = [](std::string_view asset, std::string_view ext) {
      const WebAsset* a = FindWebAsset(asset);
      return "ui." + ToHex(Sha256(a ? a->body : std::string_view())).substr(0, 8) + std::string(ext);
    };
    return Versioned{name("embed/ui.js", ".js"), name("embed/ui.css", ".css")};
  }();
  return files;
}

// A strong validator for `body`: the first 128 bits of its SHA-256.
std::string Etag(std::string_view body) { return "\"" + ToHex(Sha256(body)).substr(0, 32) + "\""; }

// A script or style any page may load, with Subresource Integrity (which
// needs CORS).
HttpResponse EmbedAsset(std::string_view asset, std::string_view cache) {
  const WebAsset* a = FindWebAsset(asset);
  if (!a) return ErrorResponse(404, "not_found", "no such file");
  HttpResponse r;
  r.content_type = std::string(a->content_type);
  r.body = std::string(a->body);
  r.headers.emplace_back("Cache-Control", std::string(cache));
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");
  r.headers.emplace_back("ETag", Etag(a->body));
  return r;
}

// Logs a refused origin once per property, for the operator.
void LogRefusedOrigin(std::string_view property, std::string_view origin) {
  static std::mutex mu;
  static std::set<std::string> logged;
  std::lock_guard<std::mutex> lock(mu);
  if (logged.size() >= kMaxLoggedOrigins) return;
  if (!logged.insert(std::string(property) + " " + std::string(origin)).second) return;
  std::cerr << "optin: embed: refused origin `" << origin << "` for property `" << property
            << "` (not in its `origins`)\n";
}

// The property the path names, from the catalog in force, and whether the
// request's origin may use it (`must_have_origin`: a browser's POST always
// says where it comes from). A refusal is the response to send.
struct Target {
  std::shared_ptr<const Catalog> catalog;
  const Property* property = nullptr;
  std::optional<HttpResponse> refusal;
};
Target Resolve(Services& s, const Call& call, bool must_have_origin) {
  Target t;
  t.catalog = s.engine.catalog();
  t.property = t.catalog ? t.catalog->FindProperty(call.property) : nullptr;
  if (!t.property) {
    t.refusal = ErrorResponse(404, "unknown_property",
                              "no property `" + call.property + "` in the catalog in force (its `properties`)");
    return t;
  }
  const std::string& origin = call.request.origin;
  if ((origin.empty() && must_have_origin) || (!origin.empty() && !embed::IsAllowedOrigin(*t.property, origin))) {
    LogRefusedOrigin(t.property->id, origin.empty() ? "(none)" : origin);
    t.refusal = ErrorResponse(403, "origin_not_allowed",
                              "origin `" + origin + "` may not use property `" + t.property->id +
                                  "`: add it to the property's `origins` in the catalog");
  }
  return t;
}

// An answer to an allowed origin, with its cookies.
void AllowCredentials(const Call& call, HttpResponse& r) {
  if (call.request.origin.empty()) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", call.request.origin);
  r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
}

// A refusal the page can read (its origin is allowed).
HttpResponse RefusalTo(const Call& call, const Status& status) {
  HttpResponse r = ErrorResponse(status);
  AllowCredentials(call, r);
  return r;
}

}  // namespace

HttpResponse DemoShop(Services& s, const Call&) {
  const WebAsset* page = s.demo_shop ? FindWebAsset("demo/shop.html") : nullptr;
  if (!page) return ErrorResponse(404, "not_found", "no demo shop here (`optin serve --demo-shop` serves one)");
  HttpResponse r;
  r.content_type = std::string(page->content_type);
  r.body = std::string(page->body);
  // The shop's own policy: everything from this server, nothing inline.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  return r;
}

HttpResponse EmbedFile(Services&, const Call& call) {
  if (call.rest == "loader.js") return EmbedAsset("embed/loader.js", kLoaderCache);
  const Versioned& ui = UiFiles();
  if (call.rest == ui.script) return EmbedAsset("embed/ui.js", kVersionedCache);
  if (call.rest == ui.style) return EmbedAsset("embed/ui.css", kVersionedCache);
  return ErrorResponse(404, "not_found", "no such file of the embed: `" + std::string(call.rest) + "`");
}

HttpResponse EmbedConfig(Services& s, const Call& call) {
  Target t = Resolve(s, call, false);
  if (t.refusal) return *t.refusal;
  const std::string lang = QueryParam(call.request.query, "lang");
  std::string locale = lang.empty() ? "" : MatchLocale(*t.catalog, lang);
  if (locale.empty()) locale = t.property->default_locale;
  const Versioned& ui = UiFiles();
  HttpResponse r;
  r.body = embed::ConfigJson(*t.catalog, *t.property, locale, "/v1/embed/" + ui.script, "/v1/embed/" + ui.style);
  const std::string etag = Etag(r.body);
  if (call.request.if_none_match == etag) {
    r.status = 304;
    r.body.clear();
    r.content_type.clear();
  }
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", std::string(kConfigCache));
  r.headers.emplace_back("Vary", "Origin");
  if (!call.request.origin.empty()) r.headers.emplace_back("Access-Control-Allow-Origin", call.request.origin);
  return r;
}

HttpResponse EmbedChoice(Services& s, const Call& call) {
  Target t = Resolve(s, call, true);
  if (t.refusal) return *t.refusal;
  const Property& property = *t.property;
  Result<embed::VisitorChoice> parsed = embed::ParseVisitorChoice(call.request.body, *t.catalog, property);
  if (!parsed.ok()) return RefusalTo(call, parsed.status());
  // A yes counts only for the notices the visitor was shown; a no, always.
  if (!parsed->granted.empty() && !parsed->notices.empty() &&
      parsed->notices != embed::NoticesTag(*t.catalog, property)) {
    return RefusalTo(call, Status(StatusCode::kFailedPrecondition,
                                  "the notices of property `" + property.id +
                                      "` changed since the page was shown; show the visitor the new ones and ask "
                                      "again (a `declined` alone is recorded)",
                                  "notice_changed"));
  }
  std::optional<std::string> cookie = embed::CookieValue(call.request.cookie, embed::kVisitorCookie);
  std::optional<std::string> known = cookie ? embed::CookieSubject(s.engine, *cookie, property.id) : std::nullopt;
  const std::string visitor = known ? *known : embed::NewVisitorId(property.id);
  WriteContext context{.channel = "web",
                       .actor = "embed:" + property.id,
                       .evidence = "website " + call.request.origin + ", choice " + parsed->key,
                       .gpc = call.request.gpc || parsed->gpc,
                       .gpc_conflict_acknowledged = parsed->gpc_conflict_acknowledged};
  std::string locale = parsed->locale.empty() ? "" : MatchLocale(*t.catalog, parsed->locale);
  if (locale.empty()) locale = property.default_locale;
  Choice choice{.action = Action::kGrant, .purposes = parsed->granted, .declined = parsed->declined,
                .only_changes = true, .locale = locale};
  Result<ChoiceResult> result = s.engine.Choose(visitor, choice, context);
  if (!result.ok()) return RefusalTo(call, result.status());
  bool gpc = false;
  Result<optin::SubjectSignals> signals = s.engine.Signals(visitor, &gpc);
  const int64_t now = s.engine.Now();
  const std::string state = embed::StateCookieValue(*t.catalog, property, s.engine.DecideAll(visitor), now);
  JsonWriter w;
  w.BeginObject().Key("recorded").Uint(result->recorded.size()).Key("purposes").BeginArray();
  for (const PurposeDecision& d : result->decisions) {
    w.BeginObject().Key("purpose").String(d.purpose).Key("allowed").Bool(d.decision.allowed);
    w.Key("reason").String(ReasonName(d.decision.reason)).EndObject();
  }
  w.EndArray();
  WriteReceipts(w, result->receipts, result->receipt_error);
  w.Key("signals");
  if (signals.ok()) {
    embed::KeepPropertySignals(*signals, property);
    Result<std::string> json = SubjectSignalsToJson("", *signals, gpc);
    if (json.ok()) w.Raw(*json);
    else w.Null();
  } else {
    w.Null();
  }
  w.Key("state").String(state).EndObject();
  HttpResponse r = Json(std::move(w).Take());
  // A linked browser keeps the account's cookie as it was set (its token's life).
  const int64_t max_age = embed::VisitorRetentionSeconds(property, now);
  if (embed::IsVisitorId(visitor)) {
    r.headers.emplace_back("Set-Cookie", embed::SetCookie(property, embed::kVisitorCookie, visitor, max_age, true));
  }
  r.headers.emplace_back("Set-Cookie", embed::SetCookie(property, embed::kStateCookie, state, max_age, false));
  AllowCredentials(call, r);
  return r;
}

HttpResponse LinkVisitorTo(Services& s, const Call& call) {
  Result<json::Value> doc = ParseBody(call.request.body);
  if (!doc.ok()) return ErrorResponse(doc.status());
  std::string visitor, property_id;
  Status read = doc->ForEachMember([&](std::string_view key, const json::Value& v) -> Status {
    if (key != "visitor" && key != "property") return v.UnknownKey();
    OPTIN_ASSIGN_OR_RETURN((key == "visitor" ? visitor : property_id), v.String());
    return OkStatus();
  });
  if (!read.ok()) return ErrorResponse(read);
  if (visitor.empty() || property_id.empty()) {
    return ErrorResponse(InvalidArgumentError("the body needs `visitor` (the value of the `optin_vid` cookie) and "
                                              "`property`"));
  }
  std::shared_ptr<const Catalog> catalog = s.engine.catalog();
  const Property* property = catalog ? catalog->FindProperty(property_id) : nullptr;
  if (!property) {
    return ErrorResponse(404, "unknown_property", "no property `" + property_id + "` in the catalog in force");
  }
  Result<embed::LinkedVisitor> linked = embed::LinkVisitor(s.engine, *catalog, *property, visitor, call.subject);
  if (!linked.ok()) return ErrorResponse(linked.status());
  JsonWriter w;
  w.BeginObject().Key("subject").String(call.subject).Key("visitor_erased").Bool(linked->visitor_erased);
  w.Key("set_cookies").Strings(linked->cookies).EndObject();
  return Json(std::move(w).Take());
}

}  // namespace optin::server
