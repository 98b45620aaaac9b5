// File: src/engine/engine_impl.h
//
// Engine's state, kept out of the public header (include/optin/engine.h is
// the front door). One file per concern implements it:
//   engine.cc    opening, consent writes, decisions, history, change feed
//   publish.cc   catalog publications and their ledger payload
//   log.cc       the verifiable log: the tree, signed heads, proofs, keys
//   verify.cc    VerifyStore and the check of the latest signed head
//   copy.cc      CopyStore: a store copied whole, verified before and after
//   receipts.cc  receipts and the subject's export
//   access.cc    API keys, link tokens, the public URL
//   sync.cc      catching up with other nodes on a shared store
//   usage.cc     checks that note usage, and writing it to the store
// (wire_json.cc holds the JSON shapes the CLI and the API share.)
//
// Thread-safety: every member a mutex protects says which
// (ABSL_GUARDED_BY, checked by clang's -Wthread-safety); the rest is set
// when the engine opens and not changed after. Lock order: receipt_head_mu
// before tree_mu; catalog_mu and publications_mu are never held together.
#ifndef OPTIN_ENGINE_ENGINE_IMPL_H_
#define OPTIN_ENGINE_ENGINE_IMPL_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "optin/engine.h"
#include "src/common/crypto.h"
#include "src/index/index.h"
#include "src/ledger/writer.h"
#include "src/proof/log_key.h"
#include "src/proof/merkle.h"
#include "src/usage/usage_recorder.h"

namespace optin {

// DO NOT CHANGE: the payload of a grant that acknowledged a GPC conflict
// (docs/ledger_format.md).
inline constexpr std::string_view kGpcConflictAcknowledged = "gpc_conflict_acknowledged";

// The payload of a publication event (docs/ledger_format.md).
struct Publication {
  std::vector<std::string> editorial;
  std::string source;             // the catalog file as published
  std::vector<TextChange> texts;  // empty in publications made before they were kept
};
std::string EncodePublication(const Catalog& catalog, const std::vector<std::string>& editorial,
                              const std::vector<TextChange>& texts);
// kDataLoss naming the event when the payload is damaged.
Result<Publication> DecodePublication(const Event& e);

// A Store scan's callback returns StopScan() to end the scan early (stores
// return the callback's status as it is); ScanStatus() makes what the scan
// returned OK again in that case, and leaves real errors as they are.
inline Status StopScan() { return Status(StatusCode::kResourceExhausted, "scan stopped", "stop_scan"); }
inline Status ScanStatus(const Status& scanned) { return scanned.reason() == "stop_scan" ? OkStatus() : scanned; }

// The event a delivery tells of: its `seq`, except for a lapse (written
// after the grant it tells of, `GRANT.RECIPIENT.lapsed`): the grant's
// (deliveries.cc).
uint64_t ToldOf(const DeliveryRow& d);

// A signed tree head as the store keeps it, and back. HeadFromRow leaves
// the root zero when the row's is not 32 bytes (a damaged row: it then
// matches no tree).
TreeHeadRow RowFromHead(const SignedTreeHead& head);
SignedTreeHead HeadFromRow(const TreeHeadRow& row);

// What is wrong with the latest signed tree head `store` keeps, checked
// against `tree`: "" when it is sound or there is none; the size it claims
// goes to `signed_size`.
Result<std::string> CheckLatestHead(Store& store, const internal::MerkleTree& tree, uint64_t& signed_size);

struct Engine::Impl {
  std::unique_ptr<Store> store;
  std::function<int64_t()> clock;
  SecretKey link_key{};         // seals preference-center link tokens
  SecretKey unsubscribe_key{};  // seals one-click e-mail opt-out tokens
  internal::Index index;
  std::unique_ptr<internal::LedgerWriter> writer;

  mutable absl::Mutex catalog_mu;
  std::shared_ptr<const Catalog> catalog ABSL_GUARDED_BY(catalog_mu);

  // The verifiable log over the same events, in step with the index.
  mutable absl::Mutex tree_mu;
  internal::MerkleTree tree ABSL_GUARDED_BY(tree_mu);
  // The last head LogHead returned: what it serves while the store is out
  // of reach (a monitor polling /v1/log/head gets a valid, older head).
  absl::Mutex head_mu;
  std::optional<SignedTreeHead> last_head ABSL_GUARDED_BY(head_mu);
  absl::Mutex log_key_mu;  // creating, rotating and caching the signing key
  std::optional<internal::LogKey> log_key ABSL_GUARDED_BY(log_key_mu);
  absl::Mutex receipt_head_mu;  // the head receipts carry, signed once per log size
  std::optional<SignedTreeHead> receipt_head ABSL_GUARDED_BY(receipt_head_mu);

  // Every notice ever published, by version, for receipts of old events.
  struct Notice {
    std::shared_ptr<const Catalog> catalog;
    const Purpose* purpose;
    std::string canonical;  // the bytes whose SHA-256 is the version
  };
  mutable absl::Mutex notices_mu;
  std::map<std::string, Notice, std::less<>> notices ABSL_GUARDED_BY(notices_mu);
  mutable absl::Mutex publications_mu;
  std::vector<PublicationRecord> publications ABSL_GUARDED_BY(publications_mu);

  // Following a shared store: when this node last caught up, and how stale
  // it may get before it denies every consent purpose.
  std::atomic<int64_t> last_caught_up{0};
  int64_t max_staleness = 0;
  mutable absl::Mutex follow_mu;
  std::string follow_error ABSL_GUARDED_BY(follow_mu);

  // What checks noted, and what a flush could not write yet (kept for the
  // next; bounded like the recorder).
  bool record_usage = true;
  internal::UsageRecorder usage;
  absl::Mutex flush_mu;
  UsageBatch unflushed ABSL_GUARDED_BY(flush_mu);
  int32_t pruned_through ABSL_GUARDED_BY(flush_mu) = 0;  // the day expired usage was last deleted

  // engine.cc
  // A consent purpose's decision on a node that lost its store: deny.
  Decision Guard(Decision d, int64_t now) const;
  // One purpose's decision with what the page shows beside it (DecideAll).
  PurposeDecision DecidePurpose(std::string_view subject, std::string_view purpose, int64_t now) const;
  // The recipients `d` is to be told to, as deliveries written with it
  // (recipients.cc).
  void AddNotify(internal::EventDraft& d) const;
  // Makes and keeps an API key of `scope` as stored (`check`, `recipient:ID`, ...).
  Result<std::string> CreateKey(const std::string& scope, std::string name);
  // A webhook recipient's secrets as stored, retired ones too
  // (recipients.cc).
  Result<std::vector<WebhookSecret>> StoredSecrets(std::string_view recipient);
  // How many microseconds from now an ISO 8601 duration spans (a link's life).
  Result<int64_t> TtlMicros(std::string_view ttl) const;
  // Takes an appended event into the tree, the index and (publications) the
  // catalog: what the ledger writer calls before it acknowledges.
  Status Apply(const Event& e, std::string_view subject, std::string_view body);
  std::shared_ptr<const Catalog> Current() const ABSL_LOCKS_EXCLUDED(catalog_mu);
  // kFailedPrecondition before the first publication.
  Result<std::shared_ptr<const Catalog>> RequireCatalog() const;
  // The notice of `version`; nullopt when no publication had it.
  std::optional<Notice> FindNotice(std::string_view version) const ABSL_LOCKS_EXCLUDED(notices_mu);

  // The consent writes behind Engine's, for a subject id already validated.
  Result<std::optional<Recorded>> RecordGpc(std::string_view subject, const WriteContext& context);
  Result<std::vector<Recorded>> Grant(std::string_view subject, std::span<const std::string> purposes,
                                     const WriteContext& context);
  Result<std::vector<Recorded>> Withdraw(std::string_view subject, std::span<const std::string> purposes,
                                        const WriteContext& context);
  Result<std::vector<Recorded>> WithdrawAll(std::string_view subject, const WriteContext& context);
  // The events of a grant of `purposes` (or of their withdrawal), with the
  // errors of Grant and Withdraw; recording nothing.
  Result<std::vector<internal::EventDraft>> GrantDrafts(std::string_view subject, std::span<const std::string> purposes,
                                                        const WriteContext& context, const Catalog& catalog);
  Result<std::vector<internal::EventDraft>> WithdrawDrafts(std::string_view subject,
                                                           std::span<const std::string> purposes,
                                                           const WriteContext& context, const Catalog& catalog);
  // A yes to `grants` and a no to `declined` in one transaction (one of
  // them may be empty), after the GPC signal the context carries.
  Result<std::vector<Recorded>> GrantAndDecline(std::string_view subject, std::span<const std::string> grants,
                                                std::span<const std::string> declined, const WriteContext& context);
  Result<std::vector<Recorded>> AppendDrafts(std::vector<internal::EventDraft> drafts);

  // publish.cc
  // What a publication changed, from the catalogs before and after it.
  void RecordPublication(const Event& e, const Catalog& next, Publication pub) ABSL_LOCKS_EXCLUDED(publications_mu);

  // log.cc
  // The log key that signs, made (and kept in the store) when there is none.
  Result<internal::LogKey> SigningKey() ABSL_LOCKS_EXCLUDED(log_key_mu);
  // The signed head of the log with `appended`, kept in the same
  // transaction: every commit is covered by a head (docs/log_format.md).
  Result<std::optional<TreeHeadRow>> SignAppend(std::span<const StoredEvent> appended) ABSL_LOCKS_EXCLUDED(tree_mu);
  // Signs the log as it is and keeps the head in the store (LogHead's work).
  Result<SignedTreeHead> KeepHead();
  // kDataLoss when the latest signed tree head the store keeps is not of
  // this log (events cut from the end, a changed head, an unknown key).
  Status CheckSignedHead();
  Result<InclusionProof> ProveInclusion(uint64_t seq, uint64_t tree_size) ABSL_LOCKS_EXCLUDED(tree_mu);
  uint64_t LogSize() const ABSL_LOCKS_EXCLUDED(tree_mu);

  // receipts.cc
  // The head receipts carry: the log as it is now, signed once per size
  // (in memory: /v1/log/head is what keeps heads).
  Result<SignedTreeHead> ReceiptHead() ABSL_LOCKS_EXCLUDED(receipt_head_mu);
  // Engine::Receipts for a subject id already validated.
  Result<std::vector<std::string>> Receipts(std::string_view subject, std::span<const uint64_t> seqs,
                                            std::string_view locale);
  // `told`: the subject's deliveries (a receipt lists those of its event).
  Result<std::string> MakeReceipt(const StoredEvent& stored, const Event& e, std::string_view subject,
                                  std::string_view locale, const SignedTreeHead& head,
                                  std::span<const DeliveryRow> told = {});

  // sync.cc
  // Events other processes appended, before they are applied: the roots of
  // the heads kept with their commits must be the roots they make.
  Status CheckCaughtUp(std::span<const StoredEvent> run) ABSL_LOCKS_EXCLUDED(tree_mu);
};

}  // namespace optin

#endif  // OPTIN_ENGINE_ENGINE_IMPL_H_
