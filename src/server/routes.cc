#include "src/server/routes.h"

#include <algorithm>

namespace optin::server {
namespace {

// DO NOT CHANGE a pattern lightly: patterns are the routes' metrics labels.
// The log and the notices are public: they hold hashes, signatures and what
// every customer is told, nothing personal (RFC 9162 §8).
constexpr Route kRoutes[] = {
    {.method = "GET", .pattern = "/healthz", .help = "whether this node is in step with its store (503 when not)",
     .handler = Health, .response = "Health"},
    {.method = "GET", .pattern = "/metrics", .help = "Prometheus counters", .handler = MetricsText,
     .produces = "text/plain"},
    {.method = "GET", .pattern = "/v1/openapi.json", .help = "this document", .handler = OpenApiDocument,
     .response = "OpenApi"},
    {.method = "GET", .pattern = "/v1/purposes", .help = "the notices in force, in the caller's language",
     .handler = Purposes, .query = "locale", .response = "Notices"},
    {.method = "GET", .pattern = "/.well-known/gpc.json", .help = "this site honours Global Privacy Control",
     .handler = GpcJson, .response = "GpcSupport"},
    {.method = "GET", .pattern = "/v1/log/head", .help = "the signed tree head of the log", .handler = LogHead,
     .response = "TreeHead"},
    {.method = "GET", .pattern = "/v1/log/key", .help = "the log's public keys", .handler = LogKeys,
     .response = "LogKeys"},
    {.method = "GET", .pattern = "/v1/log/proof/inclusion", .help = "an event's audit path",
     .handler = InclusionProofOf, .query = "seq:integer! tree_size:integer", .response = "InclusionProof"},
    {.method = "GET", .pattern = "/v1/log/proof/consistency", .help = "a consistency proof between two tree sizes",
     .handler = ConsistencyProofOf, .query = "from:integer! to:integer!", .response = "ConsistencyProof"},
    {.method = "GET", .pattern = "/", .help = "the preference center without a link: says that one is needed",
     .handler = Page, .produces = "text/html"},
    {.method = "GET", .pattern = "/p/{token*}", .help = "the preference center (its script reads the token)",
     .handler = Page, .produces = "text/html"},
    {.method = "GET", .pattern = "/u/{token*}",
     .help = "a one-click e-mail opt-out link opened in a browser: one button that withdraws its purpose",
     .handler = UnsubscribeAsk, .query = "locale", .produces = "text/html"},
    {.method = "POST", .pattern = "/u/{token*}",
     .help = "one-click e-mail opt-out (RFC 8058): withdraws the link's purpose at once (a page for a browser)",
     .handler = UnsubscribeOneClick, .query = "locale", .request = "OneClickForm",
     .request_media = "application/x-www-form-urlencoded", .response = "Unsubscribed", .also_html = true},
    {.method = "GET", .pattern = "/static/{file*}", .help = "the preference center's scripts, styles and texts",
     .handler = StaticFile, .produces = "*/*"},
    {.method = "GET", .pattern = "/v1/embed/{name}",
     .help = "the website embed: `loader.js` (first in a page's head; stable bytes for Subresource Integrity) and "
             "the versioned files of its banner and dialog",
     .handler = EmbedFile, .produces = "*/*"},
    {.method = "GET", .pattern = "/v1/embed/{property}/config",
     .help = "what the embed shows on a property's pages: its purposes' notices, tags and texts in one language "
             "(ETag; refused to an origin the property does not allow)",
     .handler = EmbedConfig, .query = "lang", .response = "EmbedConfig"},
    {.method = "POST", .pattern = "/v1/embed/{property}/choices",
     .help = "a website visitor's choice, recorded for the visitor's pseudonymous subject (a cookie): the "
             "receipts, decisions and TC/GPP strings after it",
     .handler = EmbedChoice, .request = "EmbedChoiceRequest", .request_media = "text/plain",
     .response = "EmbedChoice"},
    {.method = "GET", .pattern = "/demo/shop",
     .help = "a demo shop page that uses the website embed (only with `optin serve --demo-shop`)",
     .handler = DemoShop, .produces = "text/html"},
    {.method = "POST", .pattern = "/v1/check", .access = Access::kCheck,
     .help = "may this subject's data be used for this purpose now?", .handler = Check, .request = "CheckRequest",
     .response = "Decision"},
    {.method = "POST", .pattern = "/v1/check/batch", .access = Access::kCheck,
     .help = "up to 10,000 checks at one instant", .handler = CheckBatch, .request = "BatchRequest",
     .response = "BatchResponse"},
    {.method = "GET", .pattern = "/v1/recipients", .access = Access::kAdmin,
     .help = "how each recipient's deliveries stand: pending, unconfirmed, overdue, failed, time to confirm",
     .handler = RecipientsStatusOf, .response = "RecipientsStatus"},
    {.method = "GET", .pattern = "/v1/usage/denied", .access = Access::kAdmin,
     .help = "checks that were denied, counted per day, purpose, recipient and reason (the last `days` days, 30 "
             "by default)",
     .handler = DeniedChecks, .query = "days:integer", .response = "DeniedChecks"},
    {.method = "POST", .pattern = "/v1/recipients/{id}/acks", .access = Access::kRecipient,
     .help = "a recipient confirms that it stopped (or deleted) for deliveries it was sent", .handler = Acks,
     .request = "AcksRequest", .response = "Acks"},
    {.method = "GET", .pattern = "/v1/changes", .access = Access::kWrite,
     .help = "server-sent events of every ledger change (resumes from Last-Event-ID)", .handler = Changes,
     .query = "after:integer", .produces = "text/event-stream"},
    {.method = "GET", .pattern = "/v1/session", .access = Access::kCustomer, .gpc = Gpc::kRecorded,
     .help = "whose record a link token opens, until when", .handler = Session, .response = "Session"},
    {.method = "DELETE", .pattern = "/v1/subjects/{id}", .access = Access::kAdmin, .help = "erase the subject",
     .handler = Erase, .response = "Erased"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/consents", .access = Access::kSubject, .gpc = Gpc::kRecorded,
     .help = "every purpose with its decision", .handler = Consents, .response = "Decisions"},
    {.method = "DELETE", .pattern = "/v1/subjects/{id}/consents", .access = Access::kSubject,
     .gpc = Gpc::kWithTheChoice, .help = "withdraw everything, atomically", .handler = WithdrawAll,
     .query = "locale", .response = "WithdrawnAll"},
    {.method = "PUT", .pattern = "/v1/subjects/{id}/consents/{purpose}", .access = Access::kSubject,
     .gpc = Gpc::kWithTheChoice, .help = "record opt-in", .handler = Grant, .query = "locale",
     .request = "RecordRequest", .response = "Recorded"},
    {.method = "DELETE", .pattern = "/v1/subjects/{id}/consents/{purpose}", .access = Access::kSubject,
     .gpc = Gpc::kWithTheChoice, .help = "record opt-out", .handler = Withdraw, .query = "locale",
     .request = "RecordRequest", .request_optional = true, .response = "Recorded"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/history", .access = Access::kSubject, .gpc = Gpc::kRecorded,
     .help = "every event about the subject", .handler = History, .response = "History"},
    {.method = "POST", .pattern = "/v1/subjects/{id}/link", .access = Access::kAdmin,
     .help = "make a preference-center link", .handler = Link, .request = "LinkRequest", .request_optional = true,
     .response = "Link"},
    {.method = "POST", .pattern = "/v1/subjects/{id}/link-visitor", .access = Access::kWrite,
     .help = "a signed-in customer's browser becomes theirs: the website visitor's own record is erased (nothing is "
             "merged) and the cookies returned, set by the site, make the embed record and show the account's choices",
     .handler = LinkVisitorTo, .request = "LinkVisitorRequest", .response = "LinkedVisitor"},
    {.method = "POST", .pattern = "/v1/subjects/{id}/unsubscribe-link", .access = Access::kAdmin,
     .help = "make a one-click e-mail opt-out link for one purpose (RFC 8058)", .handler = UnsubscribeLinkFor,
     .request = "UnsubscribeLinkRequest", .response = "UnsubscribeLink"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/usage", .access = Access::kSubject,
     .help = "who used the subject's data for what, on which days", .handler = SubjectUsage, .query = "locale",
     .response = "Usage"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/deliveries", .access = Access::kSubject,
     .gpc = Gpc::kRecorded, .help = "what each recipient was told of the subject's changes, and whether it confirmed",
     .handler = SubjectDeliveries, .query = "locale", .response = "Deliveries"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/signals", .access = Access::kSubject, .gpc = Gpc::kRecorded,
     .help = "the subject's TC, GPP and US Privacy strings and Consent Mode", .handler = SubjectSignals,
     .response = "Signals"},
    {.method = "POST", .pattern = "/v1/subjects/{id}/signals", .access = Access::kSubject, .gpc = Gpc::kRecorded,
     .help = "record Global Privacy Control", .handler = RecordSignal, .query = "locale", .request = "SignalRequest",
     .response = "SignalRecorded"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/receipts", .access = Access::kSubject, .gpc = Gpc::kRecorded,
     .help = "a signed receipt per event", .handler = Receipts, .query = "locale", .response = "Receipts"},
    {.method = "GET", .pattern = "/v1/subjects/{id}/export", .access = Access::kSubjectExport,
     .gpc = Gpc::kRecorded, .help = "everything held about the subject (JSON, or a page with format=html)",
     .handler = Export, .query = "locale format", .response = "Export", .also_html = true},
};

// Whether `path` is an instance of `pattern`, putting what its parameters
// matched into `m.captures`. Allocates nothing: every request goes through it.
bool Match(std::string_view pattern, std::string_view path, RouteMatch& m) {
  if (pattern == "/" || path == "/") return pattern == path;
  if (!path.starts_with('/')) return false;
  m.capture_count = 0;
  size_t pi = 1, qi = 1;  // just after a `/` in each
  while (true) {
    const size_t pe = std::min(pattern.find('/', pi), pattern.size());
    const size_t qe = std::min(path.find('/', qi), path.size());
    const std::string_view want = pattern.substr(pi, pe - pi);
    const std::string_view got = qi <= path.size() ? path.substr(qi, qe - qi) : std::string_view();
    if (want.starts_with('{') && want.ends_with("*}")) {
      // The rest of the path from this segment on.
      const std::string_view rest = qi <= path.size() ? path.substr(qi) : std::string_view();
      if (rest.empty()) return false;
      m.captures[m.capture_count++] = rest;
      return true;
    }
    if (want.starts_with('{')) {
      if (got.empty()) return false;
      m.captures[m.capture_count++] = got;
    } else if (want != got) {
      return false;
    }
    const bool pattern_done = pe == pattern.size(), path_done = qe == path.size();
    if (pattern_done || path_done) return pattern_done && path_done;
    pi = pe + 1;
    qi = qe + 1;
  }
}

// The table's rows by pattern (a pattern's rows are consecutive), each with
// its `Allow` value: made once.
struct Group {
  std::span<const Route> routes;
  std::string allow;
};

const std::vector<Group>& Groups() {
  static const std::vector<Group> groups = [] {
    std::vector<Group> out;
    const std::span<const Route> all(kRoutes);
    for (size_t i = 0; i < all.size();) {
      size_t j = i;
      std::string allow;
      for (; j < all.size() && all[j].pattern == all[i].pattern; ++j) {
        allow += (allow.empty() ? "" : ", ") + std::string(all[j].method);
      }
      out.push_back({all.subspan(i, j - i), std::move(allow)});
      i = j;
    }
    return out;
  }();
  return groups;
}

}  // namespace

std::span<const Route> Routes() { return kRoutes; }

const Route* RouteMatch::For(std::string_view method) const {
  for (const Route& r : routes) {
    if (r.method == method) return &r;
  }
  return nullptr;
}

std::optional<RouteMatch> MatchRoute(std::string_view path) {
  RouteMatch m;
  for (const Group& g : Groups()) {
    if (!Match(g.routes.front().pattern, path, m)) continue;
    m.pattern = g.routes.front().pattern;
    m.routes = g.routes;
    m.allow = g.allow;
    return m;
  }
  return std::nullopt;
}

}  // namespace optin::server
