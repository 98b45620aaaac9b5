#include "src/server/routes.h"

namespace optin::server {
namespace {

// DO NOT CHANGE a pattern lightly: patterns are the routes' metrics labels.
// The log and the notices are public: they hold hashes, signatures and what
// every customer is told, nothing personal (RFC 9162 §8).
constexpr Route kRoutes[] = {
    {"GET", "/healthz", Access::kPublic, Gpc::kIgnored, "whether this node is in step with its store", Health},
    {"GET", "/metrics", Access::kPublic, Gpc::kIgnored, "Prometheus counters", MetricsText},
    {"GET", "/v1/purposes", Access::kPublic, Gpc::kIgnored, "the notices in force, in the caller's language", Purposes},
    {"GET", "/.well-known/gpc.json", Access::kPublic, Gpc::kIgnored,
     "this site honours Global Privacy Control", GpcJson},
    {"GET", "/v1/log/head", Access::kPublic, Gpc::kIgnored, "the signed tree head of the log", LogHead},
    {"GET", "/v1/log/key", Access::kPublic, Gpc::kIgnored, "the log's public keys", LogKeys},
    {"GET", "/v1/log/proof/inclusion", Access::kPublic, Gpc::kIgnored, "an event's audit path (?seq=&tree_size=)",
     InclusionProofOf},
    {"GET", "/v1/log/proof/consistency", Access::kPublic, Gpc::kIgnored, "a consistency proof (?from=&to=)",
     ConsistencyProofOf},
    {"GET", "/", Access::kPublic, Gpc::kIgnored, "the preference center without a link: says that one is needed", Page},
    {"GET", "/p/{token*}", Access::kPublic, Gpc::kIgnored,
     "the preference center (the token is read by its script)", Page},
    {"GET", "/static/{file*}", Access::kPublic, Gpc::kIgnored, "the preference center's scripts, styles and texts",
     StaticFile},
    {"POST", "/v1/check", Access::kCheck, Gpc::kIgnored,
     "may this subject's data be used for this purpose now?", Check},
    {"POST", "/v1/check/batch", Access::kCheck, Gpc::kIgnored, "up to 10,000 checks at one instant", CheckBatch},
    {"GET", "/v1/changes", Access::kWrite, Gpc::kIgnored,
     "server-sent events of every ledger change (?after=)", Changes},
    {"GET", "/v1/session", Access::kCustomer, Gpc::kRecorded, "whose record a link token opens, until when", Session},
    {"DELETE", "/v1/subjects/{id}", Access::kAdmin, Gpc::kIgnored, "erase the subject", Erase},
    {"GET", "/v1/subjects/{id}/consents", Access::kSubject, Gpc::kRecorded,
     "every purpose with its decision", Consents},
    {"DELETE", "/v1/subjects/{id}/consents", Access::kSubject, Gpc::kWithTheChoice,
     "withdraw everything, atomically", WithdrawAll},
    {"PUT", "/v1/subjects/{id}/consents/{purpose}", Access::kSubject, Gpc::kWithTheChoice, "record opt-in", Grant},
    {"DELETE", "/v1/subjects/{id}/consents/{purpose}", Access::kSubject, Gpc::kWithTheChoice,
     "record opt-out", Withdraw},
    {"GET", "/v1/subjects/{id}/history", Access::kSubject, Gpc::kRecorded, "every event about the subject", History},
    {"POST", "/v1/subjects/{id}/link", Access::kAdmin, Gpc::kIgnored, "make a preference-center link", Link},
    {"GET", "/v1/subjects/{id}/signals", Access::kSubject, Gpc::kRecorded,
     "the subject's TC, GPP and US Privacy strings",
     SubjectSignals},
    {"POST", "/v1/subjects/{id}/signals", Access::kSubject, Gpc::kRecorded,
     "record Global Privacy Control", RecordSignal},
    {"GET", "/v1/subjects/{id}/receipts", Access::kSubject, Gpc::kRecorded, "a signed receipt per event", Receipts},
    {"GET", "/v1/subjects/{id}/export", Access::kSubjectExport, Gpc::kRecorded,
     "everything held about the subject", Export},
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
