// File: optin/engine.h
//
// Engine: optin's front door. It opens a store, replays the ledger into the
// in-memory index, records publications, grants and withdrawals (durably,
// hash-linked, applied before they are acknowledged) and answers
// "may subject S's data be used for purpose P now?" with a Decision.
// The CLI and the HTTP server are thin shells over it.
//
// Thread-safety: all methods may be called concurrently. Decide() never
// touches the store, allocates nothing and never fails: anything unclear is a
// deny with a reason.
//
// Example:
//   OPTIN_ASSIGN_OR_RETURN(auto engine, Engine::Open({.store = "optin.db"}));
//   OPTIN_RETURN_IF_ERROR(engine->Grant("alice", {"ad_targeting"}, {.channel = "web"}).status());
//   Decision d = engine->Decide("alice", "ad_targeting");  // allowed, kGranted
#ifndef OPTIN_ENGINE_H_
#define OPTIN_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "optin/catalog.h"
#include "optin/decision.h"
#include "optin/ledger.h"
#include "optin/proof.h"
#include "optin/signals.h"
#include "optin/status.h"
#include "optin/store.h"

namespace optin {

// Subject ids are opaque UTF-8 strings of 1 to 256 bytes without control
// characters. Longer ids are refused rather than truncated.
constexpr size_t kMaxSubjectIdBytes = 256;
// kInvalidArgument naming what is wrong with `subject`.
Status ValidateSubjectId(std::string_view subject);
// kInvalidArgument unless `channel` is one of web, api, cli, gpc, import.
Status ValidateChannel(std::string_view channel);
// kInvalidArgument unless `url` is an `http://` or `https://` URL with a
// host (and optionally a port and a path), without query or fragment: where
// preference-center links point.
Status ValidatePublicUrl(std::string_view url);
// `url` without trailing slashes (`https://privacy.example/` →
// `https://privacy.example`), validated as ValidatePublicUrl does.
Result<std::string> ParsePublicUrl(std::string_view url);

struct EngineOptions {
  // Where the store is: a path, `sqlite:PATH`, a `postgres://` or
  // `postgresql://` URL, or `memory:` (OpenStore in optin/store.h).
  std::string store = "optin.db";
  StoreOpenMode mode = StoreOpenMode::kExisting;
  // Microseconds since the Unix epoch; the system clock when empty.
  std::function<int64_t()> clock;
  // When > 0 (microseconds): once this node has not caught up with its store
  // for longer, every consent purpose decides `stale` (deny) until it does.
  // For nodes that share a store with others (optin serve sets it).
  int64_t max_staleness = 0;
  // Whether Check() notes the days a subject's data was used and counts
  // denied checks (docs/usage.md); written by FlushUsage().
  bool record_usage = true;
};

// Who records a change and how.
struct WriteContext {
  std::string channel = "api";
  std::string actor;     // e.g. `cli:alice`, an API key name
  std::string evidence;  // free text kept encrypted with the subject (e.g. user agent)
  // When set, the notice version the subject was shown: a grant is refused
  // (kFailedPrecondition) unless it is the version in force.
  std::string notice;
  // The request carried Global Privacy Control (`Sec-GPC: 1`): the signal is
  // recorded first, and a grant of a `sale_or_share` purpose is refused
  // (kFailedPrecondition, reason `gpc_conflict`) unless the subject
  // acknowledged the conflict.
  bool gpc = false;
  bool gpc_conflict_acknowledged = false;
};

struct PurposeDecision {
  std::string purpose;
  Decision decision;
  // The subject's latest word on the purpose is a yes, whether or not it
  // still applies (a lapsed notice, an expiry, a GPC signal): a withdrawal
  // would record a change. What "withdraw everything" takes back.
  bool withdrawable = false;
  // When that yes lapses by the purpose's `expires` (microseconds since the
  // Unix epoch); 0 when it does not, or there is no yes.
  int64_t expires_at = 0;
};

// A change the engine recorded, as callers need it: the ledger event's
// public fields (the subject and evidence stay sealed in the ledger).
struct Recorded {
  uint64_t seq = 0;
  int64_t time = 0;  // microseconds since the Unix epoch
  Action action = Action::kGrant;
  std::string purpose;
  std::string notice;
  std::string channel;
};

// One choice made by a subject or on their behalf (Engine::Choose).
struct Choice {
  // kGrant, kWithdraw, or kSignal: the subject's Global Privacy Control
  // opt-out (recorded once; a repeat records nothing).
  Action action = Action::kGrant;
  // kWithdraw with none: every consent purpose in force. None for kSignal.
  std::vector<std::string> purposes;
  // kGrant only: purposes the subject said no to in the same choice (a
  // website's "Save my choices"), withdrawn in the same transaction as the
  // grants; `purposes` may then be empty.
  std::vector<std::string> declined;
  // Leave out each purpose whose latest word already says the same (a grant
  // in force, or a withdrawal): a choice sent again records nothing new.
  bool only_changes = false;
  std::string locale;  // of the receipts ("": the catalog's first)
  bool receipts = true;  // false: none are made
};

// What recording a choice did, for the answer to the customer.
struct ChoiceResult {
  std::vector<Recorded> recorded;  // the grants, withdrawals or signal, in order
  // Each purpose named, after the change; every purpose in force when all
  // were withdrawn or a signal was sent.
  std::vector<PurposeDecision> decisions;
  // A receipt per recorded event. When they could not be made (the store
  // briefly out of reach) none, and why: the change stands all the same.
  std::vector<std::string> receipts;
  std::string receipt_error;
};

struct PublishResult {
  uint64_t seq = 0;
  std::vector<std::string> added, changed, editorial, unchanged, removed;
  // The structured changes of each changed or editorial purpose, e.g.
  // "`ad_targeting`: `data` adds `precise_location` (sensitive)".
  std::vector<std::string> notes;
  // Every changed text of those purposes, per locale (kept in the event).
  std::vector<TextChange> texts;
};

// One publication of the catalog, as the ledger keeps it.
struct PublicationRecord {
  uint64_t seq = 0;
  int64_t time = 0;
  std::string actor;
  std::vector<std::string> added, changed, editorial, removed;
  std::vector<TextChange> texts;  // empty for publications made before optin kept them
};

struct HistoryEntry {
  uint64_t seq = 0;
  int64_t time = 0;
  Action action = Action::kGrant;
  std::string purpose;
  std::string notice;
  std::string channel;
  std::string actor;
  // A grant of a `sale_or_share` purpose made while the browser sent Global
  // Privacy Control, after the customer confirmed it knowingly.
  bool gpc_conflict_acknowledged = false;
};

// One ledger event as downstream systems see it (the change feed).
struct Change {
  uint64_t seq = 0;
  int64_t time = 0;
  Action action = Action::kGrant;
  std::string subject;  // in clear; empty for publications and erased subjects
  std::string purpose;
  std::string notice;
  std::string channel;
};

// What an API key may do: `check` only decides; `write` also records consent
// on a subject's behalf; `admin` may do everything; `recipient:ID` is a
// recipient's own: it decides (its checks attributed to it) and confirms
// its deliveries.
enum class Scope { kCheck, kWrite, kAdmin, kRecipient };
std::string_view ScopeName(Scope scope);
// `check`, `write` or `admin`; a recipient's scope is `recipient:ID`
// (CreateRecipientKey).
std::optional<Scope> ParseScope(std::string_view name);

struct ApiKeyInfo {
  std::string name;
  Scope scope = Scope::kCheck;
  std::string recipient;  // for kRecipient: whose key it is
  int64_t created = 0;
  std::string hash;  // SHA-256 of the key, raw bytes
};

// Longest life of a preference-center link: 366 days.
constexpr int64_t kMaxLinkTtlMicros = int64_t{366} * 86400 * 1'000'000;

struct LinkToken {
  std::string subject;
  int64_t expires = 0;  // microseconds since the Unix epoch
};

// What a one-click e-mail opt-out token (RFC 8058) withdraws.
struct UnsubscribeToken {
  std::string subject;
  std::string purpose;
  int64_t expires = 0;  // microseconds since the Unix epoch
};

// How long a preference-center link works when nobody says (ISO 8601).
inline constexpr std::string_view kDefaultLinkTtl = "P7D";

// A preference-center link: where it points and the token it carries.
struct PreferenceLink {
  std::string url;  // PreferenceLinkUrl(base, token)
  std::string token;
  int64_t expires = 0;  // microseconds since the Unix epoch
};

// The address of the page a link token opens: `BASE/p/TOKEN`.
std::string PreferenceLinkUrl(std::string_view base_url, std::string_view token);

// How long a one-click opt-out link works when nobody says (ISO 8601): an
// e-mail is often read, and acted on, weeks after it was sent.
inline constexpr std::string_view kDefaultUnsubscribeTtl = "P90D";

// A one-click opt-out link for an e-mail (RFC 8058): sent as
// `List-Unsubscribe: <URL>` with `List-Unsubscribe-Post:
// List-Unsubscribe=One-Click`.
struct UnsubscribeLink {
  std::string url;  // UnsubscribeLinkUrl(base, token)
  std::string token;
  std::string purpose;
  int64_t expires = 0;  // microseconds since the Unix epoch
};

// The address a one-click opt-out token is posted to: `BASE/u/TOKEN`.
std::string UnsubscribeLinkUrl(std::string_view base_url, std::string_view token);

// A recipient's confirmation that it acted on a delivery
// (POST /v1/recipients/{id}/acks).
struct DeliveryAck {
  std::string delivery;  // the delivery id (the webhook's `webhook-id`)
  std::string action;    // `stopped` or `deleted`
  int64_t at = 0;        // when it did; 0: now
};

// What a recipient was told of a change and whether it confirmed, with
// when it was due to.
struct Delivery {
  DeliveryRow row;
  int64_t due = 0;  // created + the recipient's ack_within; 0 when no confirmation is needed
  bool overdue = false;
};

// Per recipient: how its deliveries stand (`optin recipients status`,
// /healthz, /metrics).
struct RecipientStatus {
  std::string recipient;
  std::string delivery;   // `webhook`, `pull` or `manual`
  size_t pending = 0;     // still to be sent
  size_t unconfirmed = 0; // sent, needing a confirmation not yet given
  size_t overdue = 0;     // of those, past their ack_within
  size_t failed = 0;      // refused for good
  size_t confirmed = 0;
  int64_t p50_confirm_micros = -1;  // time from the change to its confirmation; -1: none yet
  int64_t p99_confirm_micros = -1;
  std::string last_error;  // of the newest delivery that failed an attempt
};

// The days one user used one subject's data for one purpose
// (Engine::SubjectUsage, docs/usage.md).
struct UsageDays {
  std::string purpose;
  std::string recipient;      // a recipient id of the catalog; empty: the company itself
  std::vector<int32_t> days;  // days since the Unix epoch (UTC), oldest first
};

// What sending one delivery came to (the webhook sender's answer).
struct SendOutcome {
  int http_status = 0;      // 0: no answer (unreachable, timed out, refused by the address guard)
  int64_t retry_after = 0;  // microseconds the recipient asked to wait (429, 503), 0: none
  std::string error;        // what went wrong, for the operator (at most 1 KB of a body)
};

// Sends one signed webhook: POST `body` to `url` with `headers`.
using WebhookSender = std::function<SendOutcome(const std::string& url,
                                                const std::vector<std::pair<std::string, std::string>>& headers,
                                                const std::string& body)>;

// The JSON a webhook delivery carries (docs/recipients.md): `{"type",
// "timestamp","data":{"delivery","recipient","seq","subject","action",
// "purpose","confirm","confirm_by"}}`; `due` is when a confirmation is due
// (0: none is needed).
std::string DeliveryBody(const DeliveryRow& delivery, int64_t due);

// A webhook recipient's signing secret.
struct WebhookSecret {
  std::string secret;  // `whsec_` and base64
  int64_t created = 0;  // microseconds since the Unix epoch
  int64_t retires = 0;  // when it stops signing; 0 for the current one
};

// What following a one-click opt-out link did.
struct Unsubscribed {
  std::string purpose;
  // False when the subject's latest word on the purpose was a no already (a
  // link followed twice, or a choice made elsewhere): nothing was recorded.
  bool recorded = false;
  // The purpose's decision after, and the withdrawal's receipt when one was
  // recorded.
  ChoiceResult result;
};

// What Engine::AuditHeads found about two signed tree heads.
struct HeadAudit {
  bool consistent = false;  // both are this log's, and the larger extends the smaller
  uint64_t from = 0;        // the sizes compared, smaller first
  uint64_t to = 0;
  // When not consistent: the head at fault as given (0 or 1), or -1 when
  // the two disagree; and why, in words.
  int bad_head = -1;
  std::string problem;
};

// What `optin verify` could prove. The hash chain shows that no event was
// changed without recomputing every hash after it; only a signed tree head
// covering an event shows that it was not rewritten that way, and only a
// head kept outside the store (a receipt's, a monitor's) holds against
// someone who can also read the log key in the store.

struct VerifyResult {
  bool intact = true;
  uint64_t events = 0;         // events checked and found good
  uint64_t first_bad_seq = 0;  // when !intact, if one event can be named
  std::string problem;         // when !intact
  std::string head_hash;       // hex hash of the last good event
  // The latest signed tree head kept in the store, checked against the
  // events (its root and its signature); 0 when none was ever signed.
  // Events after it could have been rewritten undetectably.
  uint64_t signed_tree_size = 0;
  // Heads given by the caller (kept outside the store) that matched.
  uint64_t external_heads = 0;
  uint64_t external_tree_size = 0;  // the largest of them
};

// What Engine::Export gathers (rendered as JSON by ExportJson in
// src/engine/wire_json.h, as a page by server::ExportPage).
struct SubjectExport {
  std::string subject;
  int64_t exported = 0;  // microseconds since the Unix epoch
  std::string locale;
  Organization organization;  // of the catalog in force
  std::vector<PurposeDecision> decisions;
  std::vector<HistoryEntry> events;
  // Every purpose named above, by id: its title in `locale` (from the
  // catalog in force, else from the last notice that had it).
  std::map<std::string, std::string> titles;
  struct Notice {
    std::string version;
    std::string purpose;
    std::string title;  // in `locale`
    std::string text;   // the canonical notice, every locale (docs/notice_version.md)
    // The same notice as the customer read it, in `locale`.
    Basis basis = Basis::kConsent;
    std::string description;
    std::string benefit;
    struct Data {
      std::string title;
      bool sensitive = false;
    };
    std::vector<Data> data;
    std::vector<Recipient> recipients;
    std::string retention;  // ISO 8601 durations; empty when none
    std::string expires;
    bool sale_or_share = false;
  };
  std::vector<Notice> notices;
  std::vector<std::string> receipts;  // receipt files
  // What each recipient of the data was told, and whether it confirmed.
  std::vector<Delivery> deliveries;
  // Who used the data, on which days (SubjectUsage).
  std::vector<UsageDays> usage;
  std::shared_ptr<const Catalog> catalog;  // in force when exported (recipients' names)
};

// A public log key, for verifiers.
struct LogPublicKey {
  std::string key_id;
  std::string public_key;  // 32 bytes, Ed25519
  int64_t created = 0;     // microseconds since the Unix epoch
  int64_t retired = 0;     // 0 while it signs
};

// The key that signs now among `keys` (as LogKeys lists them: the last one
// not retired), or nullptr when every key is retired.
const LogPublicKey* SigningLogKey(const std::vector<LogPublicKey>& keys);

class Engine {
 public:
  // Opens (or with kCreate, creates) the store and replays the ledger.
  // kNotFound when there is no store and mode is kExisting; kDataLoss when
  // the ledger does not verify; the store's errors otherwise.
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  // The same over a store the caller opened (tests, tools).
  static Result<std::unique_ptr<Engine>> Open(std::unique_ptr<Store> store, EngineOptions options);
  ~Engine();

  // Publishes `catalog`. Purposes whose notice version changed get the new
  // version; the change lapses earlier consents (reason `notice_changed`)
  // unless the purpose is in `editorial`. kInvalidArgument if `editorial`
  // names a purpose not in `catalog`.
  // kFailedPrecondition (API code `material_change`), publishing nothing,
  // when a purpose in `editorial` has a change that is material whatever
  // the publisher says (docs/notice_version.md, "Material changes"), or a
  // purpose's signal mappings grant more while its notice is unchanged;
  // the message names each purpose and field.
  Result<PublishResult> Publish(const Catalog& catalog, const std::vector<std::string>& editorial,
                                const WriteContext& context);
  // Every publication, oldest first, with what it changed (for reviewers:
  // what was called editorial, and the word diffs of its texts).
  Result<std::vector<PublicationRecord>> Publications();

  // Records opt-in of `subject` to each purpose under its current notice
  // version, atomically. kNotFound for a purpose not in force,
  // kFailedPrecondition for a necessary purpose (there is nothing to consent
  // to), kInvalidArgument for a bad subject id or channel.
  Result<std::vector<Recorded>> Grant(std::string_view subject, std::span<const std::string> purposes,
                                      const WriteContext& context);
  // Records opt-out of `subject` from each purpose, atomically. Withdrawing
  // what was never granted is recorded too: an explicit "no". In effect for
  // every Decide() that starts after it returns.
  Result<std::vector<Recorded>> Withdraw(std::string_view subject, std::span<const std::string> purposes,
                                         const WriteContext& context);
  // Withdraws every consent purpose in force.
  Result<std::vector<Recorded>> WithdrawAll(std::string_view subject, const WriteContext& context);
  // A user action in one call: validates once, records the GPC signal the
  // context carries, then the grant or withdrawal (as Grant, Withdraw and
  // WithdrawAll, with their errors), and returns the decisions and
  // receipts the answer needs.
  Result<ChoiceResult> Choose(std::string_view subject, const Choice& choice, const WriteContext& context);

  // Records a Global Privacy Control signal for `subject` (channel `gpc`):
  // an opt-out of every `sale_or_share` purpose, until the subject grants
  // one knowingly afterwards. GPC never grants anything. A signal that
  // repeats is recorded once: returns nullopt when there was one already.
  Result<std::optional<Recorded>> RecordGpc(std::string_view subject, const WriteContext& context);

  Decision Decide(std::string_view subject, std::string_view purpose) const;
  Decision DecideAt(std::string_view subject, std::string_view purpose, int64_t now) const;
  // Every purpose in force, in catalog order, with its decision.
  std::vector<PurposeDecision> DecideAll(std::string_view subject) const;
  // Decide, for data used by `recipient` (a recipient id of the catalog's
  // `recipients` section; empty: the company itself), noting the use: what
  // a system that is about to use the data asks (docs/usage.md). Denied
  // `recipient_not_declared` when the purpose's notice does not name the
  // recipient. An allowed `granted` check notes the day for the subject,
  // purpose and recipient (once a day, however many checks); a denied one
  // is counted for the company. Nothing touches the store here: FlushUsage
  // writes what was noted. Decide() notes nothing.
  // (Noting is not a change of the engine's answers: Check is const, and
  // may be called wherever Decide may.)
  Decision Check(std::string_view subject, std::string_view purpose, std::string_view recipient = {}) const;
  Decision CheckAt(std::string_view subject, std::string_view purpose, std::string_view recipient,
                   int64_t now) const;
  // What Check notes, for a caller that decides itself and counts its
  // denials (the Enforcer): a use of `subject`'s data allowed by their
  // consent at `when`, and `count` checks denied for `reason`. Nothing when
  // usage is not recorded.
  void NoteUse(std::string_view subject, std::string_view purpose, std::string_view recipient, int64_t when) const;
  void NoteDenied(std::string_view purpose, std::string_view recipient, Reason reason, uint64_t count,
                  int64_t when) const;
  // Writes what checks noted since the last flush in one transaction,
  // with the days past their purpose's retention deleted (a server calls
  // it every second, a filter run at its end). What could not be written
  // is kept for the next flush.
  Status FlushUsage();
  // The days each user used `subject`'s data, per purpose and user, as
  // written by the flushes so far. kInvalidArgument for a bad subject id.
  Result<std::vector<UsageDays>> SubjectUsage(std::string_view subject);
  // Denied checks counted since `since` (microseconds; its day counts).
  Result<std::vector<DeniedCountRow>> DeniedChecks(int64_t since);
  // Every event about `subject`, oldest first.
  Result<std::vector<HistoryEntry>> History(std::string_view subject);
  // The verifiable log (optin/proof.h, docs/log_format.md). LogHead signs
  // the root at the current size with the log key (creating the key when
  // the store has none) and keeps that head; asked again at the same size it
  // returns the kept head. While the store is out of reach it returns the
  // last head it returned (older, and as valid), if any.
  Result<SignedTreeHead> LogHead();
  // The audit path of event `seq` in the tree of `tree_size` events (0: the
  // current size). kInvalidArgument when seq is 0 or past tree_size, or
  // tree_size is past the log.
  Result<InclusionProof> ProveInclusion(uint64_t seq, uint64_t tree_size);
  // kInvalidArgument unless 0 < first ≤ second ≤ the log's size.
  Result<ConsistencyProof> ProveConsistency(uint64_t first, uint64_t second);
  // Every log key, oldest first; the last one not retired signs.
  Result<std::vector<LogPublicKey>> LogKeys();
  // Retires the signing key and makes a new one (docs/log_format.md, "Keys").
  Result<LogPublicKey> RotateLogKey();
  // Whether two signed tree heads kept by an auditor show a log that only
  // grew: both signed by one of this log's keys and the larger extending the
  // smaller (a consistency proof made and checked here). The heads may be
  // given in either order. A finding is an answer, not an error: errors are
  // only for a store out of reach.
  Result<HeadAudit> AuditHeads(const SignedTreeHead& a, const SignedTreeHead& b);
  uint64_t log_size() const;

  // Erases the subject (docs/ledger_format.md, "Subjects and erasure"):
  // records an `erase` event and destroys the subject's key in the same
  // transaction, so their id and evidence in every event can no longer be
  // read, while every hash, proof and head still verifies. Afterwards the
  // subject is unknown (no_consent everywhere) and may come back as new.
  // kNotFound when optin holds nothing about the subject.
  Result<Recorded> Erase(std::string_view subject, const WriteContext& context);

  // Everything optin holds about the subject: decisions, events, the full
  // text of every notice their events name, and a receipt per event.
  Result<SubjectExport> Export(std::string_view subject, std::string_view locale = "");

  // Signed receipts (docs/log_format.md, "Receipts") of the subject's
  // events, oldest first: all of them, or those numbered in `seqs`. Texts in
  // `locale` when the notice has it, else the catalog's first locale. Each is
  // a receipt file as VerifyReceipt reads it.
  Result<std::vector<std::string>> Receipts(std::string_view subject, std::span<const uint64_t> seqs = {},
                                            std::string_view locale = "");

  // The subject's choices as TC, GPP and US Privacy strings and Consent Mode
  // (signals.h, SignalsFor), under the catalog in force. kFailedPrecondition
  // before the first publication; kInvalidArgument for a bad subject id.
  Result<SubjectSignals> Signals(std::string_view subject, bool* gpc = nullptr);

  // Creates an API key and returns it: the only time the key exists in
  // clear (the store keeps its SHA-256). An empty `name` gets a generated
  // one. kAlreadyExists when the name is taken; kInvalidArgument for a bad
  // name.
  Result<std::string> CreateApiKey(Scope scope, std::string name);
  // A key of scope `recipient:ID` for a recipient of the catalog in force
  // (kNotFound otherwise).
  Result<std::string> CreateRecipientKey(std::string_view recipient, std::string name);
  Result<std::vector<ApiKeyInfo>> ListApiKeys();
  // kNotFound when there is no key of that name.
  Status RevokeApiKey(std::string_view name);

  // A token that opens `subject`'s own record, and nothing else, until
  // `ttl_micros` from now: for the preference-center link. Sealed with a key
  // derived from the store secret.
  Result<std::string> CreateLinkToken(std::string_view subject, int64_t ttl_micros);
  // A link to `subject`'s record under `base_url` (the preference center's
  // address), valid for the ISO 8601 duration `ttl` (such as `P7D`).
  // kInvalidArgument for a bad duration, one over kMaxLinkTtlMicros, or a
  // bad subject id.
  Result<PreferenceLink> CreateLink(std::string_view subject, std::string_view ttl, std::string_view base_url);
  // The subject a token opens; kUnauthenticated when it is not genuine or
  // has expired.
  Result<LinkToken> OpenLinkToken(std::string_view token) const;
  // A token that withdraws `purpose` for `subject`, and does nothing else,
  // until `ttl_micros` from now: for a `List-Unsubscribe` address in an
  // e-mail (RFC 8058). Sealed with its own key derived from the store
  // secret, so that it is never a link token, nor a link token one of these.
  // kInvalidArgument for a bad subject id or life; kNotFound when `purpose`
  // is not in force; kFailedPrecondition when it is not a consent purpose.
  Result<std::string> CreateUnsubscribeToken(std::string_view subject, std::string_view purpose, int64_t ttl_micros);
  // What a token withdraws; kUnauthenticated when it is not genuine or has
  // expired.
  Result<UnsubscribeToken> OpenUnsubscribeToken(std::string_view token) const;
  // A one-click opt-out link under `base_url`, valid for the ISO 8601
  // duration `ttl`; the errors of CreateUnsubscribeToken and CreateLink.
  Result<UnsubscribeLink> CreateUnsubscribeLink(std::string_view subject, std::string_view purpose,
                                                std::string_view ttl, std::string_view base_url);
  // Withdraws what `token` names, with channel `email`, at once and with
  // nothing else to confirm; records nothing when the subject's latest word
  // on the purpose is a no already, so that following a link again changes
  // nothing. `locale` is the receipt's; `evidence` is kept with the event
  // (such as the user agent). kUnauthenticated for a token that is not
  // genuine or has expired.
  Result<Unsubscribed> Unsubscribe(std::string_view token, std::string_view locale, std::string_view evidence);
  // Where the preference center of the server on this store is reached:
  // `optin serve` keeps its --public-url (else the address it bound) in the
  // store when it starts. kNotFound when no server has run on this store.
  Result<std::string> PublicUrl();
  // kInvalidArgument (ValidatePublicUrl) for anything but an http(s) URL.
  Status SetPublicUrl(std::string_view url);

  // The signing secrets of a webhook recipient of the catalog (Standard
  // Webhooks `whsec_…`), kept in the store, newest first: every delivery is
  // signed with each that has not retired. Empty until one is made
  // the first. kNotFound for a recipient not in the catalog in force;
  // kFailedPrecondition for one not told by webhook.
  Result<std::vector<WebhookSecret>> WebhookSecrets(std::string_view recipient);
  // The current secret, made when there is none yet: what the operator
  // gives the recipient.
  Result<WebhookSecret> CurrentWebhookSecret(std::string_view recipient);
  // A new current secret; the one before keeps signing for `overlap_micros`
  // (so that the recipient can switch without losing a delivery), and
  // older ones stop at once.
  Result<WebhookSecret> RotateWebhookSecret(std::string_view recipient, int64_t overlap_micros);

  // Records `recipient`'s confirmations, each at most once (a repeat
  // returns the first). kInvalidArgument for an action other than `stopped`
  // or `deleted`, or a time in the future; kNotFound for a delivery that is
  // not the recipient's. Nothing is recorded unless every ack is valid.
  Result<std::vector<Delivery>> ConfirmDeliveries(std::string_view recipient, std::span<const DeliveryAck> acks);
  // Every delivery about `subject`, oldest first.
  Result<std::vector<Delivery>> SubjectDeliveries(std::string_view subject);
  // Every recipient of the catalog in force, with how its deliveries stand.
  Result<std::vector<RecipientStatus>> RecipientsStatus();
  // Claims up to `limit` deliveries due now and sends each with `send`,
  // signed with the recipient's secrets (Standard Webhooks); records the
  // outcome: delivered on 2xx; retried with exponential backoff and jitter
  // (or after Retry-After) on no answer, 408, 429 and 5xx, for 72 hours;
  // failed for good on other answers, keeping the first 1 KB of the body.
  // Each claimed delivery is held for `lease_micros` (longer than a send
  // may take): a node that dies mid-send leaves it to another after that.
  // Returns how many were claimed.
  Result<size_t> DeliverDue(const WebhookSender& send, size_t limit, int64_t lease_micros);

  // Tells the recipients of each consent that lapsed since the last call on
  // this store (its notice changed materially, or it expired): a delivery
  // `GRANT.RECIPIENT.lapsed`, action `lapse`, to confirm like a withdrawal,
  // for each recipient the purpose names. What `optin serve` runs every few
  // seconds; several nodes may run it at once (each lapse is told once).
  // Returns how many deliveries it found (another node may have written
  // some of them first).
  Result<size_t> TellLapses();

  // Takes in what other processes appended to the store since (for a
  // long-running server sharing its store with the CLI).
  Status Sync();
  // Waits up to `timeout_ms` for other nodes' appends (woken at once by a
  // store that notifies), then catches up: what a server runs in a loop.
  Status Follow(int timeout_ms);
  // How long ago (microseconds) this node last caught up with its store,
  // and the error of the last attempt when it failed (empty when it worked).
  int64_t lag() const;
  std::string follow_error() const;
  // Whether the lag passed EngineOptions.max_staleness, so that every
  // consent purpose decides `stale`.
  bool IsStale() const;

  // Up to `limit` ledger events after sequence number `after`, oldest first.
  Result<std::vector<Change>> Changes(uint64_t after, size_t limit);

  // The catalog in force; nullptr before the first publication.
  std::shared_ptr<const Catalog> catalog() const;
  uint64_t last_seq() const;
  size_t subject_count() const;
  int64_t Now() const;

 private:
  struct Impl;  // src/engine/engine_impl.h
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What copying a store did (CopyStore).
struct StoreCopied {
  uint64_t events = 0;
  size_t api_keys = 0;
  size_t log_keys = 0;
  std::string head_hash;  // hex hash of the last event, the same in both stores
  std::string target;     // the new store's Describe()
};

// Copies everything `from` holds (events, subject keys, the secret, API
// keys, log keys, signed tree heads) into a new store at `to` (a location
// as OpenStore takes): `from` is verified before the new store is created,
// events go in batches of one transaction each, and the copy is verified to
// hold the same events under the same head. `progress(copied, total)` is
// called after each batch.
// kDataLoss when `from` does not verify or the copy does not match it;
// kAlreadyExists when a store is at `to` already (a copy never writes over
// one); the stores' own errors otherwise.
Result<StoreCopied> CopyStore(Store& from, const std::string& to,
                              const std::function<void(uint64_t copied, uint64_t total)>& progress = {});

// Re-checks every event and hash link of the ledger in `store` without
// opening an Engine (so it works on a damaged store).
// `external` are signed tree heads kept outside the store (`optin verify
// --head FILE`): each must be signed by one of the store's log keys and
// match the root of the store's events at its size.
Result<VerifyResult> VerifyStore(Store& store, std::span<const SignedTreeHead> external = {});

}  // namespace optin

#endif  // OPTIN_ENGINE_H_
