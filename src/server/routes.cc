#include "src/server/routes.h"

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
    {.method = "GET", .pattern = "/static/{file*}", .help = "the preference center's scripts, styles and texts",
     .handler = StaticFile, .produces = "*/*"},
    {.method = "POST", .pattern = "/v1/check", .access = Access::kCheck,
     .help = "may this subject's data be used for this purpose now?", .handler = Check, .request = "CheckRequest",
     .response = "Decision"},
    {.method = "POST", .pattern = "/v1/check/batch", .access = Access::kCheck,
     .help = "up to 10,000 checks at one instant", .handler = CheckBatch, .request = "BatchRequest",
     .response = "BatchResponse"},
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
     .handler = Export, .query = "locale format", .response = "Export"},
};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The captures of `path` against `pattern`; nullopt when it does not match.
std::optional<std::vector<std::string_view>> Match(std::string_view pattern, std::string_view path) {
  if (pattern == "/" || path == "/") {
    if (pattern == path) return std::vector<std::string_view>();
    return std::nullopt;
  }
  if (!path.starts_with('/')) return std::nullopt;
  const std::vector<std::string_view> want = Segments(pattern), got = Segments(path);
  std::vector<std::string_view> captures;
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string_view w = want[i];
    if (w.starts_with('{') && w.ends_with("*}")) {
      // The rest of the path from this segment on.
      if (i >= got.size()) return std::nullopt;
      const std::string_view rest = path.substr(static_cast<size_t>(got[i].data() - path.data()));
      if (rest.empty()) return std::nullopt;
      captures.push_back(rest);
      return captures;
    }
    if (i >= got.size()) return std::nullopt;
    if (w.starts_with('{')) {
      if (got[i].empty()) return std::nullopt;
      captures.push_back(got[i]);
    } else if (w != got[i]) {
      return std::nullopt;
    }
  }
  if (got.size() != want.size()) return std::nullopt;
  return captures;
}

}  // namespace

std::span<const Route> Routes() { return kRoutes; }

const Route* RouteMatch::For(std::string_view method) const {
  for (const Route* r : routes) {
    if (r->method == method) return r;
  }
  return nullptr;
}

std::optional<RouteMatch> MatchRoute(std::string_view path) {
  for (const Route& route : kRoutes) {
    std::optional<std::vector<std::string_view>> captures = Match(route.pattern, path);
    if (!captures) continue;
    RouteMatch m;
    m.pattern = route.pattern;
    m.captures = std::move(*captures);
    for (const Route& same : kRoutes) {
      if (same.pattern != route.pattern) continue;
      m.routes.push_back(&same);
      m.allow += (m.allow.empty() ? "" : ", ") + std::string(same.method);
    }
    return m;
  }
  return std::nullopt;
}

}  // namespace optin::server
