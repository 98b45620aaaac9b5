#include "optin/engine.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "src/common/bytes.h"
#include "src/common/crypto.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"
#include "src/common/utf8.h"
#include "src/catalog/locale.h"
#include "src/catalog/notice_diff.h"
#include "src/index/index.h"
#include "src/ledger/writer.h"
#include "src/proof/log_key.h"
#include "src/proof/merkle.h"

namespace optin {
namespace {

constexpr std::string_view kChannels[] = {"web", "api", "cli", "gpc", "import"};

// DO NOT CHANGE: the payload of publication events (docs/ledger_format.md).
// DO NOT CHANGE: the payload of a grant that acknowledged a GPC conflict.
constexpr std::string_view kGpcConflictAcknowledged = "gpc_conflict_acknowledged";

std::string EncodePublication(const Catalog& catalog, const std::vector<std::string>& editorial,
                              const std::vector<TextChange>& texts) {
  ByteWriter w;
  w.U32(static_cast<uint32_t>(editorial.size()));
  for (const auto& id : editorial) w.Field(id);
  w.Field(catalog.source);
  w.U32(static_cast<uint32_t>(texts.size()));
  for (const TextChange& t : texts) {
    w.Field(t.purpose);
    w.Field(t.field);
    w.Field(t.locale);
    w.Field(t.diff);
  }
  return std::move(w).Take();
}

struct Publication {
  std::vector<std::string> editorial;
  std::string source;
  std::vector<TextChange> texts;  // empty in publications made before they were kept
};

Result<Publication> DecodePublication(const Event& e) {
  ByteReader r(e.payload);
  Publication out;
  uint32_t n;
  auto bad = [&] { return DataLossError("event " + std::to_string(e.seq) + ": damaged publication payload"); };
  if (!r.U32(n)) return bad();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view id;
    if (!r.Field(id)) return bad();
    out.editorial.emplace_back(id);
  }
  std::string_view source;
  if (!r.Field(source)) return bad();
  out.source = source;
  if (r.AtEnd()) return out;
  if (!r.U32(n)) return bad();
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view purpose, field, locale, diff;
    if (!r.Field(purpose) || !r.Field(field) || !r.Field(locale) || !r.Field(diff)) return bad();
    out.texts.push_back({std::string(purpose), std::string(field), std::string(locale), std::string(diff)});
  }
  if (!r.AtEnd()) return bad();
  return out;
}

std::string PurposeList(const Catalog& catalog, Basis basis) {
  std::string out;
  for (const auto& p : catalog.purposes) {
    if (p.basis != basis) continue;
    out += (out.empty() ? "`" : ", `") + p.id + "`";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Status ValidateSubjectId(std::string_view subject) {
  if (subject.empty()) return InvalidArgumentError("the subject id is empty");
  if (subject.size() > kMaxSubjectIdBytes) {
    return InvalidArgumentError("the subject id is " + std::to_string(subject.size()) + " bytes; at most " +
                                std::to_string(kMaxSubjectIdBytes) + " are allowed");
  }
  if (!IsValidUtf8(subject)) return InvalidArgumentError("the subject id is not valid UTF-8");
  for (size_t i = 0; i < subject.size(); ++i) {
    auto c = static_cast<unsigned char>(subject[i]);
    bool c1 = c == 0xc2 && i + 1 < subject.size() && static_cast<unsigned char>(subject[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(subject[i + 1]) <= 0x9f;
    if (c < 0x20 || c == 0x7f || c1) {
      return InvalidArgumentError("the subject id contains a control character at byte " + std::to_string(i + 1));
    }
  }
  return OkStatus();
}

Status ValidatePublicUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("`" + std::string(url) + "` is not a URL to link to: " + std::string(why) +
                                " (such as https://privacy.example.com or http://127.0.0.1:8080)");
  };
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return bad("it must start with http:// or https://");
  const std::string_view host = rest.substr(0, rest.find('/'));
  if (host.empty() || host.front() == ':') return bad("it has no host");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\') {
      return bad("it may not hold spaces, a query or a fragment");
    }
  }
  return OkStatus();
}

Status ValidateChannel(std::string_view channel) {
  for (auto c : kChannels) {
    if (c == channel) return OkStatus();
  }
  return InvalidArgumentError("unknown channel `" + std::string(channel) + "` (expected web, api, cli, gpc or import)");
}

struct Engine::Impl {
  std::unique_ptr<Store> store;
  std::function<int64_t()> clock;
  SecretKey link_key{};  // seals preference-center link tokens
  internal::Index index;
  std::unique_ptr<internal::LedgerWriter> writer;
  mutable std::mutex catalog_mu;
  std::shared_ptr<const Catalog> catalog;
  // The verifiable log over the same events, in step with the index.
  // The last head LogHead returned: what it serves while the store is out
  // of reach (a monitor polling /v1/log/head gets a valid, older head).
  std::mutex head_mu;
  std::optional<SignedTreeHead> last_head;
  mutable std::shared_mutex tree_mu;
  internal::MerkleTree tree;
  std::mutex log_key_mu;  // creating, rotating and caching the signing key
  std::optional<internal::LogKey> log_key;
  // Every notice ever published, by version, for receipts of old events.
  struct Notice {
    std::shared_ptr<const Catalog> catalog;
    const Purpose* purpose;
    std::string canonical;  // the bytes whose SHA-256 is the version
  };
  mutable std::mutex notices_mu;
  std::map<std::string, Notice, std::less<>> notices;
  mutable std::mutex publications_mu;
  std::vector<PublicationRecord> publications;
  std::mutex receipt_head_mu;  // the head receipts carry, signed once per log size
  std::optional<SignedTreeHead> receipt_head;
  // Following a shared store: when this node last caught up, and how stale
  // it may get before it denies every consent purpose.
  std::atomic<int64_t> last_caught_up{0};
  int64_t max_staleness = 0;
  mutable std::mutex follow_mu;
  std::string follow_error;

  // A consent purpose's decision on a node that lost its store: deny.
  Decision Guard(Decision d, int64_t now) const {
    if (max_staleness <= 0 || d.reason == Reason::kNecessary || d.reason == Reason::kUnknownPurpose) return d;
    if (now - last_caught_up.load(std::memory_order_relaxed) <= max_staleness) return d;
    return {false, Reason::kStale, d.event};
  }

  Status Apply(const Event& e, std::string_view subject, std::string_view body) {
    {
      std::unique_lock lock(tree_mu);
      if (tree.size() + 1 != e.seq) {
        return InternalError("the log tree has " + std::to_string(tree.size()) + " leaves at event " +
                             std::to_string(e.seq));
      }
      tree.Append(LeafHash(body));
    }
    if (e.action == Action::kPublish) {
      OPTIN_ASSIGN_OR_RETURN(Publication pub, DecodePublication(e));
      Result<Catalog> parsed = ParseCatalog(pub.source, "catalog published in event " + std::to_string(e.seq),
                                            CatalogRules::kPublished);
      if (!parsed.ok()) return DataLossError(parsed.status().message());
      auto catalog_ptr = std::make_shared<const Catalog>(std::move(parsed).value());
      index.ApplyPublish(*catalog_ptr, pub.editorial, e.seq);
      RecordPublication(e, *catalog_ptr, std::move(pub));
      {
        std::lock_guard lock(notices_mu);
        for (const Purpose& p : catalog_ptr->purposes) {
          notices.try_emplace(p.notice_version, Notice{catalog_ptr, &p, CanonicalNotice(*catalog_ptr, p)});
        }
      }
      std::lock_guard lock(catalog_mu);
      catalog = std::move(catalog_ptr);
      return OkStatus();
    }
    if (subject.empty() && e.action == Action::kErase) {
      // Recorded by another process, which destroyed the key with it: the
      // subject, if this node knows them, is found by look-up key.
      index.ApplyErasureByRef(e, [this, &e](std::string_view id) { return writer->SubjectRef(id) == e.subject_ref; });
    } else if (subject.empty()) {
      index.set_last_seq(e.seq);  // the subject was erased: nothing to decide from
    } else {
      index.ApplySubjectEvent(subject, e);
    }
    return OkStatus();
  }

  // What each publication changed, from the catalogs before and after it.
  void RecordPublication(const Event& e, const Catalog& next, Publication pub) {
    PublicationRecord r{e.seq, e.time, e.actor, {}, {}, std::move(pub.editorial), {}, std::move(pub.texts)};
    auto before = Current();
    for (const Purpose& p : next.purposes) {
      const Purpose* old = before ? before->FindPurpose(p.id) : nullptr;
      if (!old) {
        r.added.push_back(p.id);
      } else if (old->notice_version != p.notice_version &&
                 std::find(r.editorial.begin(), r.editorial.end(), p.id) == r.editorial.end()) {
        r.changed.push_back(p.id);
      }
    }
    if (before) {
      for (const Purpose& p : before->purposes) {
        if (!next.FindPurpose(p.id)) r.removed.push_back(p.id);
      }
    }
    std::lock_guard lock(publications_mu);
    publications.push_back(std::move(r));
  }

  // The log key that signs, made (and kept in the store) when there is none.
  Result<internal::LogKey> SigningKey() {
    std::lock_guard lock(log_key_mu);
    if (log_key) return *log_key;
    OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> rows, store->ListLogKeys());
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->retired == 0) {
        log_key = internal::LogKey{it->key_id, it->public_key, it->private_key};
        return *log_key;
      }
    }
    internal::LogKey key = internal::NewLogKey();
    OPTIN_RETURN_IF_ERROR(store->PutLogKey({key.key_id, key.public_key, key.private_key, clock(), 0}));
    log_key = key;
    return key;
  }

  // The signed head of the log with `appended`, kept in the same
  // transaction: every commit is covered by a head (docs/log_format.md).
  Result<std::optional<TreeHeadRow>> SignAppend(std::span<const StoredEvent> appended) {
    if (appended.empty()) return std::optional<TreeHeadRow>();
    OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
    std::vector<MerkleHash> leaves;
    leaves.reserve(appended.size());
    for (const StoredEvent& e : appended) leaves.push_back(LeafHash(e.body));
    uint64_t size = 0;
    MerkleHash root;
    {
      std::shared_lock lock(tree_mu);
      if (tree.size() + 1 != appended.front().seq) {
        return InternalError("the log tree has " + std::to_string(tree.size()) + " leaves before event " +
                             std::to_string(appended.front().seq));
      }
      size = tree.size() + leaves.size();
      root = tree.RootWith(leaves);
    }
    const SignedTreeHead head = internal::SignTreeHead(size, root, clock() / 1000, key);
    return std::optional<TreeHeadRow>(TreeHeadRow{size, std::string(reinterpret_cast<const char*>(root.data()), root.size()),
                                                  head.timestamp, head.key_id, head.signature});
  }

  // Events other processes appended, before they are applied: the roots of
  // the heads kept with their commits must be the roots they make.
  Status CheckCaughtUp(std::span<const StoredEvent> run) {
    if (run.empty()) return OkStatus();
    const uint64_t first = run.front().seq, last = run.back().seq;
    std::vector<TreeHeadRow> heads;
    const Status kEnough(StatusCode::kResourceExhausted, "enough");
    Status s = store->ScanTreeHeads(first - 1, [&](const TreeHeadRow& h) {
      if (h.tree_size > last) return kEnough;
      heads.push_back(h);
      return OkStatus();
    });
    if (!s.ok() && s.message() != kEnough.message()) return s;
    if (heads.empty()) return OkStatus();
    std::optional<internal::CompactRange> range;
    {
      std::shared_lock lock(tree_mu);
      if (tree.size() + 1 != first) return OkStatus();  // not in step: Apply reports it
      range.emplace(tree);
    }
    size_t next = 0;
    for (const StoredEvent& e : run) {
      range->Append(LeafHash(e.body));
      for (; next < heads.size() && heads[next].tree_size == range->size(); ++next) {
        const MerkleHash root = range->Root();
        if (heads[next].root_hash != std::string_view(reinterpret_cast<const char*>(root.data()), root.size())) {
          return DataLossError("the ledger does not verify: events " + std::to_string(first) + "-" +
                               std::to_string(heads[next].tree_size) + " do not match the signed tree head of size " +
                               std::to_string(heads[next].tree_size) +
                               " kept with their commit: they were changed after they were written; run `optin "
                               "verify` for details");
        }
      }
    }
    return OkStatus();
  }

  std::shared_ptr<const Catalog> Current() const {
    std::lock_guard lock(catalog_mu);
    return catalog;
  }

  Result<std::shared_ptr<const Catalog>> RequireCatalog() const {
    auto c = Current();
    if (!c) return FailedPreconditionError("no catalog has been published yet; run `optin catalog publish FILE`");
    return c;
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(options.store, options.mode));
  return Open(std::move(store), std::move(options));
}

Result<std::unique_ptr<Engine>> Engine::Open(std::unique_ptr<Store> store, EngineOptions options) {
  OPTIN_RETURN_IF_ERROR(InitCrypto());
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->clock = options.clock ? std::move(options.clock) : std::function<int64_t()>(NowMicros);
  OPTIN_ASSIGN_OR_RETURN(std::string secret_bytes, impl->store->Secret());
  if (secret_bytes.size() != kSecretKeySize) return DataLossError("the store secret has the wrong size");
  SecretKey secret;
  std::copy(secret_bytes.begin(), secret_bytes.end(), secret.begin());
  // DO NOT CHANGE: the label separates the link key from other uses of the secret.
  impl->link_key = HmacSha256(secret, "optin link token v1");
  Impl* raw = impl.get();
  impl->writer = std::make_unique<internal::LedgerWriter>(
      *impl->store, secret, impl->clock,
      [raw](const Event& e, std::string_view subject, std::string_view body) { return raw->Apply(e, subject, body); },
      [raw](std::span<const StoredEvent> appended) { return raw->SignAppend(appended); },
      [raw](std::span<const StoredEvent> run) { return raw->CheckCaughtUp(run); });
  OPTIN_RETURN_IF_ERROR(impl->writer->Replay());
  impl->last_caught_up = impl->clock();
  impl->max_staleness = options.max_staleness;
  auto engine = std::unique_ptr<Engine>(new Engine(std::move(impl)));
  // A store whose log no longer matches the head it signed is refused, as
  // one whose chain breaks is: answering from it, or signing a second head
  // of the same size, would hide what happened.
  OPTIN_RETURN_IF_ERROR(engine->CheckSignedHead());
  // A new store gets its log key at once (older stores when first needed).
  if (options.mode == StoreOpenMode::kCreate) OPTIN_RETURN_IF_ERROR(engine->SigningKey().status());
  return engine;
}

Result<PublishResult> Engine::Publish(const Catalog& catalog, const std::vector<std::string>& editorial,
                                      const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  for (const auto& id : editorial) {
    if (!catalog.FindPurpose(id)) {
      return InvalidArgumentError("--editorial names `" + id + "`, which is not a purpose in the catalog");
    }
  }
  PublishResult result;
  auto before = impl_->Current();
  // Every purpose ever published keeps its number in the index.
  size_t numbered = impl_->index.purposes().purposes.size();
  for (const Purpose& p : catalog.purposes) numbered += !impl_->index.purposes().by_id.contains(p.id);
  if (numbered > internal::Index::kMaxPurposes) {
    return InvalidArgumentError("this catalog would make " + std::to_string(numbered) +
                                " purposes ever published; a store holds at most " +
                                std::to_string(internal::Index::kMaxPurposes));
  }
  std::string refused;  // every purpose whose publication is refused, with why
  for (const Purpose& p : catalog.purposes) {
    const Purpose* old = before ? before->FindPurpose(p.id) : nullptr;
    const bool is_editorial = std::find(editorial.begin(), editorial.end(), p.id) != editorial.end();
    if (!old) {
      result.added.push_back(p.id);
      continue;
    }
    NoticeChanges changes = CompareNotices(*before, *old, catalog, p);
    auto refuse = [&](const std::string& why) { refused += "\n  `" + p.id + "`: " + why; };
    auto joined = [](const std::vector<std::string>& items) {
      std::string out;
      for (const auto& item : items) out += (out.empty() ? "" : "; ") + item;
      return out;
    };
    if (old->notice_version == p.notice_version) {
      // A mapping that grants more must be said in the notice first.
      if (changes.signals_grant_more) {
        refuse(joined(changes.material) + ", but its notice is unchanged: say in the notice what the mapping "
               "implies, then publish (earlier consents lapse)");
      }
      result.unchanged.push_back(p.id);
      continue;
    }
    if (is_editorial && !changes.material.empty()) {
      refuse(joined(changes.material) + " (material whatever the publisher says; publish without --editorial " +
             p.id + " so that earlier consents lapse)");
    }
    (is_editorial ? result.editorial : result.changed).push_back(p.id);
    for (const auto* list : {&changes.material, &changes.other}) {
      for (const std::string& note : *list) result.notes.push_back("`" + p.id + "`: " + note);
    }
    for (TextChange& t : changes.texts) result.texts.push_back(std::move(t));
  }
  if (!refused.empty()) {
    return Status(StatusCode::kFailedPrecondition, "nothing was published:" + refused, "material_change");
  }
  if (before) {
    for (const Purpose& p : before->purposes) {
      if (!catalog.FindPurpose(p.id)) result.removed.push_back(p.id);
    }
  }
  internal::EventDraft d;
  d.action = Action::kPublish;
  d.channel = context.channel;
  d.actor = context.actor;
  // Only purposes whose text changed can carry consents over.
  d.payload = EncodePublication(catalog, result.editorial, result.texts);
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, impl_->writer->Append({std::move(d)}));
  result.seq = events.front().seq;
  return result;
}

Result<std::vector<PublicationRecord>> Engine::Publications() {
  std::lock_guard lock(impl_->publications_mu);
  return impl_->publications;
}

Result<std::optional<Event>> Engine::RecordGpc(std::string_view subject, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  if (impl_->index.HasGpc(subject)) return std::optional<Event>();
  internal::EventDraft d;
  d.action = Action::kSignal;
  d.subject = subject;
  d.channel = "gpc";
  d.actor = context.actor;
  d.evidence = context.evidence;
  // DO NOT CHANGE: names the signal in the ledger (docs/ledger_format.md).
  d.payload = "Sec-GPC: 1";
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, impl_->writer->Append({std::move(d)}));
  return std::optional<Event>(std::move(events.front()));
}

Result<std::vector<Event>> Engine::Grant(std::string_view subject, std::span<const std::string> purposes,
                                         const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  if (context.channel == "gpc") {
    return InvalidArgumentError("channel `gpc` cannot grant: Global Privacy Control only ever opts out");
  }
  OPTIN_ASSIGN_OR_RETURN(auto catalog, impl_->RequireCatalog());
  if (context.gpc) OPTIN_RETURN_IF_ERROR(RecordGpc(subject, context).status());
  if (purposes.empty()) return InvalidArgumentError("name at least one purpose to grant");
  std::vector<internal::EventDraft> drafts;
  for (const auto& id : purposes) {
    const Purpose* p = catalog->FindPurpose(id);
    if (!p) {
      return NotFoundError("unknown purpose `" + id + "`; the consent purposes in force are " +
                           PurposeList(*catalog, Basis::kConsent));
    }
    if (p->basis == Basis::kNecessary) {
      return FailedPreconditionError("`" + id + "` is necessary to provide the service; it is not based on consent, so "
                                     "there is nothing to grant");
    }
    if (!context.notice.empty() && context.notice != p->notice_version) {
      return FailedPreconditionError("the notice of `" + id + "` has changed (it is now " + p->notice_version +
                                     "); show the customer the current notice and ask again");
    }
    if (p->sale_or_share && context.gpc && !context.gpc_conflict_acknowledged) {
      return Status(StatusCode::kFailedPrecondition,
                    "your browser asks sites not to sell or share your data (Global Privacy Control), and `" + id +
                        "` shares it; confirm that you want to allow it anyway",
                    "gpc_conflict");
    }
    if (std::any_of(drafts.begin(), drafts.end(), [&](const auto& d) { return d.purpose == id; })) continue;
    internal::EventDraft d;
    d.action = Action::kGrant;
    // DO NOT CHANGE: marks a grant given knowingly despite GPC (docs/ledger_format.md).
    if (p->sale_or_share && context.gpc) d.payload = std::string(kGpcConflictAcknowledged);
    d.subject = subject;
    d.purpose = id;
    d.notice = p->notice_version;
    d.channel = context.channel;
    d.actor = context.actor;
    d.evidence = context.evidence;
    drafts.push_back(std::move(d));
  }
  return impl_->writer->Append(std::move(drafts));
}

Result<std::vector<Event>> Engine::Withdraw(std::string_view subject, std::span<const std::string> purposes,
                                            const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  OPTIN_ASSIGN_OR_RETURN(auto catalog, impl_->RequireCatalog());
  if (context.gpc) OPTIN_RETURN_IF_ERROR(RecordGpc(subject, context).status());
  if (purposes.empty()) return InvalidArgumentError("name at least one purpose to withdraw, or --all");
  const internal::PurposeTable& known = impl_->index.purposes();
  std::vector<internal::EventDraft> drafts;
  for (const auto& id : purposes) {
    const Purpose* p = catalog->FindPurpose(id);
    // A purpose since removed from the catalog may still be withdrawn: saying
    // no is always possible.
    if (!p && !known.by_id.contains(id)) {
      return NotFoundError("unknown purpose `" + id + "`; the consent purposes in force are " +
                           PurposeList(*catalog, Basis::kConsent));
    }
    if (p && p->basis == Basis::kNecessary) {
      return FailedPreconditionError("`" + id + "` is necessary to provide the service; it is not based on consent, so "
                                     "there is nothing to withdraw");
    }
    if (std::any_of(drafts.begin(), drafts.end(), [&](const auto& d) { return d.purpose == id; })) continue;
    internal::EventDraft d;
    d.action = Action::kWithdraw;
    d.subject = subject;
    d.purpose = id;
    d.notice = p ? p->notice_version : "";
    d.channel = context.channel;
    d.actor = context.actor;
    d.evidence = context.evidence;
    drafts.push_back(std::move(d));
  }
  return impl_->writer->Append(std::move(drafts));
}

Result<std::vector<Event>> Engine::WithdrawAll(std::string_view subject, const WriteContext& context) {
  OPTIN_ASSIGN_OR_RETURN(auto catalog, impl_->RequireCatalog());
  std::vector<std::string> ids;
  for (const auto& p : catalog->purposes) {
    if (p.basis == Basis::kConsent) ids.push_back(p.id);
  }
  if (ids.empty()) return std::vector<Event>();
  return Withdraw(subject, ids, context);
}

Decision Engine::Decide(std::string_view subject, std::string_view purpose) const {
  const int64_t now = impl_->clock();
  return impl_->Guard(impl_->index.Decide(subject, purpose, now), now);
}

Decision Engine::DecideAt(std::string_view subject, std::string_view purpose, int64_t now) const {
  return impl_->Guard(impl_->index.Decide(subject, purpose, now), now);
}

std::vector<PurposeDecision> Engine::DecideAll(std::string_view subject) const {
  std::vector<PurposeDecision> out;
  auto catalog = impl_->Current();
  if (!catalog) return out;
  const int64_t now = impl_->clock();
  for (const auto& p : catalog->purposes) out.push_back({p.id, impl_->Guard(impl_->index.Decide(subject, p.id, now), now)});
  return out;
}

Result<std::vector<HistoryEntry>> Engine::History(std::string_view subject) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  std::vector<HistoryEntry> out;
  std::string ref = impl_->writer->SubjectRef(subject);
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanSubject(ref, [&](const StoredEvent& stored) {
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    // Events from before an erasure no longer open with the subject's key:
    // they are not this person's any more.
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> owner, impl_->writer->OpenSubject(e));
    if (!owner || *owner != subject) return OkStatus();
    out.push_back({e.seq, e.time, e.action, e.purpose, e.notice, e.channel, e.actor,
                   e.action == Action::kGrant && e.payload == kGpcConflictAcknowledged});
    return OkStatus();
  }));
  return out;
}

Result<std::vector<Change>> Engine::Changes(uint64_t after, size_t limit) {
  std::vector<Change> out;
  if (limit == 0 || after >= last_seq()) return out;
  // The scan stops early by returning this status from its callback.
  const Status kEnough(StatusCode::kResourceExhausted, "enough");
  Status s = impl_->store->Scan(after, [&](const StoredEvent& stored) {
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> subject, impl_->writer->OpenSubject(e));
    out.push_back({e.seq, e.time, e.action, subject.value_or(""), e.purpose, e.notice, e.channel});
    return out.size() >= limit ? kEnough : OkStatus();
  });
  if (!s.ok() && !(s.code() == kEnough.code() && s.message() == kEnough.message())) return s;
  return out;
}

Result<SubjectSignals> Engine::Signals(std::string_view subject, bool* gpc) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  auto catalog = impl_->Current();
  if (!catalog) return FailedPreconditionError("no catalog has been published yet");
  SubjectChoices choices;
  for (PurposeDecision& d : DecideAll(subject)) choices.allowed.emplace_back(std::move(d.purpose), d.decision.allowed);
  OPTIN_ASSIGN_OR_RETURN(std::vector<HistoryEntry> history, History(subject));
  for (const HistoryEntry& h : history) {
    choices.gpc = choices.gpc || h.action == Action::kSignal;
    choices.last_updated = std::max(choices.last_updated, h.time);
  }
  if (gpc) *gpc = choices.gpc;
  return SignalsFor(*catalog, choices, impl_->clock());
}

Result<internal::LogKey> Engine::SigningKey() { return impl_->SigningKey(); }

Result<SignedTreeHead> Engine::LogHead() {
  Result<SignedTreeHead> head = KeepHead();
  std::lock_guard lock(impl_->head_mu);
  if (head.ok()) {
    impl_->last_head = *head;
  } else if (head.status().code() == StatusCode::kUnavailable && impl_->last_head) {
    return *impl_->last_head;
  }
  return head;
}

Result<SignedTreeHead> Engine::KeepHead() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  uint64_t size = 0;
  MerkleHash root;
  {
    std::shared_lock lock(impl_->tree_mu);
    size = impl_->tree.size();
    root = impl_->tree.Root(size);
  }
  const SignedTreeHead fresh = internal::SignTreeHead(size, root, impl_->clock() / 1000, key);
  TreeHeadRow row{fresh.tree_size, std::string(reinterpret_cast<const char*>(root.data()), root.size()),
                  fresh.timestamp, fresh.key_id, fresh.signature};
  OPTIN_ASSIGN_OR_RETURN(TreeHeadRow kept, impl_->store->PutTreeHead(row));
  SignedTreeHead head;
  head.tree_size = kept.tree_size;
  if (kept.root_hash.size() != root.size()) return DataLossError("a kept tree head has a damaged root hash");
  std::copy(kept.root_hash.begin(), kept.root_hash.end(), head.root_hash.begin());
  head.timestamp = kept.timestamp;
  head.key_id = kept.key_id;
  head.signature = kept.signature;
  if (head.root_hash != root) {
    return DataLossError("the kept tree head for size " + std::to_string(size) + " has root " +
                         ToHex(kept.root_hash) + " but the events give " + ToHex(AsBytes(root)));
  }
  return head;
}

Result<InclusionProof> Engine::ProveInclusion(uint64_t seq, uint64_t tree_size) {
  std::shared_lock lock(impl_->tree_mu);
  if (tree_size == 0) tree_size = impl_->tree.size();
  if (seq == 0) return InvalidArgumentError("event sequence numbers start at 1");
  InclusionProof proof;
  proof.leaf_index = seq - 1;
  proof.tree_size = tree_size;
  OPTIN_ASSIGN_OR_RETURN(proof.audit_path, impl_->tree.InclusionPath(seq - 1, tree_size));
  proof.leaf_hash = impl_->tree.leaf(seq - 1);
  return proof;
}

Result<ConsistencyProof> Engine::ProveConsistency(uint64_t first, uint64_t second) {
  std::shared_lock lock(impl_->tree_mu);
  ConsistencyProof proof;
  proof.first = first;
  proof.second = second;
  OPTIN_ASSIGN_OR_RETURN(proof.path, impl_->tree.ConsistencyPath(first, second));
  return proof;
}

uint64_t Engine::log_size() const {
  std::shared_lock lock(impl_->tree_mu);
  return impl_->tree.size();
}

Result<std::vector<LogPublicKey>> Engine::LogKeys() {
  OPTIN_RETURN_IF_ERROR(SigningKey().status());
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> rows, impl_->store->ListLogKeys());
  std::vector<LogPublicKey> out;
  for (const LogKeyRow& r : rows) out.push_back({r.key_id, r.public_key, r.created, r.retired});
  return out;
}

Result<LogPublicKey> Engine::RotateLogKey() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey old, SigningKey());
  std::lock_guard lock(impl_->log_key_mu);
  internal::LogKey key = internal::NewLogKey();
  const int64_t now = impl_->clock();
  // The new key first: a crash in between leaves two usable keys, never none.
  OPTIN_RETURN_IF_ERROR(impl_->store->PutLogKey({key.key_id, key.public_key, key.private_key, now, 0}));
  OPTIN_RETURN_IF_ERROR(impl_->store->RetireLogKey(old.key_id, now));
  impl_->log_key = key;
  return LogPublicKey{key.key_id, key.public_key, now, 0};
}

Result<Event> Engine::Erase(std::string_view subject, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> key, impl_->store->GetSubjectKey(impl_->writer->SubjectRef(subject)));
  if (!key) return NotFoundError("optin holds nothing about `" + std::string(subject) + "`");
  internal::EventDraft d;
  d.action = Action::kErase;
  d.subject = subject;
  d.channel = context.channel;
  d.actor = context.actor;
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, impl_->writer->Append({std::move(d)}));
  return std::move(events.front());
}

Result<SubjectExport> Engine::Export(std::string_view subject, std::string_view locale) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  SubjectExport out;
  out.subject = subject;
  out.exported = impl_->clock();
  auto catalog = impl_->Current();
  out.locale = catalog ? PickLocale(*catalog, locale) : "en";
  if (catalog) out.organization = catalog->organization;
  out.decisions = DecideAll(subject);
  OPTIN_ASSIGN_OR_RETURN(out.events, History(subject));
  auto text_of = [&](const LocalizedText& t) -> std::string {
    if (auto it = t.find(out.locale); it != t.end()) return it->second;
    return t.empty() ? "" : t.begin()->second;
  };
  std::set<std::string> seen;
  for (const HistoryEntry& h : out.events) {
    if (h.notice.empty() || !seen.insert(h.notice).second) continue;
    std::lock_guard lock(impl_->notices_mu);
    auto it = impl_->notices.find(h.notice);
    if (it == impl_->notices.end()) continue;
    const Purpose& p = *it->second.purpose;
    const Catalog& c = *it->second.catalog;
    SubjectExport::Notice n;
    n.version = h.notice;
    n.purpose = p.id;
    n.title = text_of(p.title);
    n.text = it->second.canonical;
    n.basis = p.basis;
    n.description = text_of(p.description);
    n.benefit = text_of(p.benefit);
    for (const std::string& id : p.data) {
      const DataCategory* d = c.FindCategory(id);
      n.data.push_back({d ? text_of(d->title) : id, d && d->sensitive});
    }
    n.recipients = p.recipients;
    n.retention = p.retention;
    n.expires = p.expires;
    n.sale_or_share = p.sale_or_share;
    out.titles[p.id] = n.title;
    out.notices.push_back(std::move(n));
  }
  if (catalog) {
    for (const Purpose& p : catalog->purposes) out.titles[p.id] = text_of(p.title);
  }
  OPTIN_ASSIGN_OR_RETURN(out.receipts, Receipts(subject, {}, out.locale));
  return out;
}

Result<SignedTreeHead> Engine::ReceiptHead() {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  std::lock_guard lock(impl_->receipt_head_mu);
  uint64_t size = 0;
  MerkleHash root;
  {
    std::shared_lock tree_lock(impl_->tree_mu);
    size = impl_->tree.size();
    if (impl_->receipt_head && impl_->receipt_head->tree_size == size && impl_->receipt_head->key_id == key.key_id) {
      return *impl_->receipt_head;
    }
    root = impl_->tree.Root(size);
  }
  impl_->receipt_head = internal::SignTreeHead(size, root, impl_->clock() / 1000, key);
  return *impl_->receipt_head;
}

Result<std::string> Engine::MakeReceipt(const StoredEvent& stored, const Event& e, std::string_view subject,
                                        std::string_view locale, const SignedTreeHead& head) {
  OPTIN_ASSIGN_OR_RETURN(internal::LogKey key, SigningKey());
  OPTIN_ASSIGN_OR_RETURN(InclusionProof proof, ProveInclusion(e.seq, head.tree_size));
  std::optional<Impl::Notice> notice;
  if (!e.notice.empty()) {
    std::lock_guard lock(impl_->notices_mu);
    auto it = impl_->notices.find(e.notice);
    if (it == impl_->notices.end()) return DataLossError("event " + std::to_string(e.seq) + " names an unknown notice");
    notice = it->second;
  }
  const Catalog* catalog = notice ? notice->catalog.get() : impl_->Current().get();
  std::string lang(locale);
  if (catalog) lang = PickLocale(*catalog, locale);
  auto text = [&](const LocalizedText& t) -> std::string {
    if (auto it = t.find(lang); it != t.end()) return it->second;
    return t.empty() ? "" : t.begin()->second;
  };
  auto optional_string = [](JsonWriter& w, const std::string& v) {
    if (v.empty()) w.Null();
    else w.String(v);
  };
  // ISO/IEC TS 27560 event states (docs/log_format.md, "Receipts").
  const std::string_view state = e.action == Action::kGrant      ? "given"
                                 : e.action == Action::kWithdraw ? "withdrawn"
                                                                 : "opted_out";
  JsonWriter w;
  w.BeginObject();
  w.Key("schema").String("optin-receipt-v1");
  w.Key("receipt_id").String(ToHex(std::string_view(reinterpret_cast<const char*>(proof.leaf_hash.data()), 32)));
  w.Key("subject").String(subject);
  w.Key("controller").BeginObject();
  w.Key("name").String(catalog ? catalog->organization.name : "");
  w.Key("contact").String(catalog ? catalog->organization.contact : "");
  w.EndObject();
  w.Key("locale").String(lang);
  w.Key("action").String(ActionName(e.action)).Key("state").String(state);
  w.Key("time").String(FormatRfc3339(e.time)).Key("channel").String(e.channel);
  w.Key("sequence").Uint(e.seq);
  w.Key("purpose");
  if (notice) {
    const Purpose& p = *notice->purpose;
    w.BeginObject().Key("id").String(p.id).Key("basis").String(BasisName(p.basis));
    w.Key("title").String(text(p.title)).Key("description").String(text(p.description));
    w.Key("benefit").String(text(p.benefit)).Key("sale_or_share").Bool(p.sale_or_share);
    w.Key("retention");
    optional_string(w, p.retention);
    w.Key("expires");
    optional_string(w, p.expires);
    w.Key("data_categories").BeginArray();
    for (const std::string& id : p.data) {
      const DataCategory* c = notice->catalog->FindCategory(id);
      w.BeginObject().Key("id").String(id).Key("title").String(c ? text(c->title) : "");
      w.Key("sensitive").Bool(c && c->sensitive).EndObject();
    }
    w.EndArray();
    w.Key("recipients").BeginArray();
    for (const Recipient& r : p.recipients) w.BeginObject().Key("name").String(r.name).Key("role").String(r.role).EndObject();
    w.EndArray();
    w.EndObject();
    w.Key("notice").BeginObject().Key("version").String(e.notice).Key("text").String(notice->canonical).EndObject();
  } else if (!e.purpose.empty()) {
    w.BeginObject().Key("id").String(e.purpose).EndObject();
    w.Key("notice").Null();
  } else {
    w.Null();
    w.Key("notice").Null();
  }
  w.Key("event").String(internal::Base64(stored.body));
  w.Key("leaf_hash").String(ToHex(std::string_view(reinterpret_cast<const char*>(proof.leaf_hash.data()), 32)));
  w.Key("tree_head").Raw(TreeHeadToJson(head));
  w.Key("inclusion_proof").Raw(InclusionProofToJson(proof));
  w.EndObject();
  OPTIN_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(std::move(w).Take()));
  JsonWriter file;
  file.BeginObject().Key("key_id").String(key.key_id).Key("public_key").String(internal::Base64(key.public_key));
  file.Key("receipt").Raw(canonical);
  file.Key("signature").String(internal::Base64(internal::SignBytes(ReceiptSignedBytes(canonical), key)));
  file.EndObject();
  return std::move(file).Take();
}

Result<std::vector<std::string>> Engine::Receipts(std::string_view subject, std::span<const uint64_t> seqs,
                                                  std::string_view locale) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_ASSIGN_OR_RETURN(SignedTreeHead head, ReceiptHead());
  std::vector<std::string> out;
  const std::string ref = impl_->writer->SubjectRef(subject);
  OPTIN_RETURN_IF_ERROR(impl_->store->ScanSubject(ref, [&](const StoredEvent& stored) {
    if (stored.seq > head.tree_size) return OkStatus();
    if (!seqs.empty() && std::find(seqs.begin(), seqs.end(), stored.seq) == seqs.end()) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> owner, impl_->writer->OpenSubject(e));
    if (!owner || *owner != subject) return OkStatus();
    OPTIN_ASSIGN_OR_RETURN(std::string receipt, MakeReceipt(stored, e, subject, locale, head));
    out.push_back(std::move(receipt));
    return OkStatus();
  }));
  return out;
}

std::shared_ptr<const Catalog> Engine::catalog() const { return impl_->Current(); }
uint64_t Engine::last_seq() const { return impl_->writer->last_seq(); }
size_t Engine::subject_count() const { return impl_->index.subject_count(); }
int64_t Engine::Now() const { return impl_->clock(); }

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kCheck: return "check";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
  }
  return "check";
}

std::optional<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kCheck, Scope::kWrite, Scope::kAdmin}) {
    if (ScopeName(s) == name) return s;
  }
  return std::nullopt;
}

Result<std::string> Engine::CreateApiKey(Scope scope, std::string name) {
  SecretKey random = RandomKey();
  if (name.empty()) name = "key-" + ToHex(std::string_view(reinterpret_cast<const char*>(random.data()), 4));
  const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (!valid) {
    return InvalidArgumentError("key name `" + name + "` must be 1 to 64 of a-z, 0-9, `-`, `_` and `.`");
  }
  // DO NOT CHANGE the prefix: secret scanners look for it.
  std::string key = "optin_" + Base64Url(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
  ApiKeyRow row{name, std::string(ScopeName(scope)), std::string(AsBytes(Sha256(key))), impl_->clock()};
  OPTIN_RETURN_IF_ERROR(impl_->store->PutApiKey(row));
  return key;
}

Result<std::vector<ApiKeyInfo>> Engine::ListApiKeys() {
  OPTIN_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> rows, impl_->store->ListApiKeys());
  std::vector<ApiKeyInfo> out;
  for (auto& r : rows) {
    // A scope this build does not know grants nothing: the key is left out.
    std::optional<Scope> scope = ParseScope(r.scope);
    if (!scope) continue;
    out.push_back({std::move(r.name), *scope, r.created, std::move(r.hash)});
  }
  return out;
}

Status Engine::RevokeApiKey(std::string_view name) { return impl_->store->RevokeApiKey(name); }

Status Engine::Sync() {
  Status s = impl_->writer->Sync();
  std::lock_guard lock(impl_->follow_mu);
  if (s.ok()) {
    impl_->last_caught_up.store(impl_->clock(), std::memory_order_relaxed);
    impl_->follow_error.clear();
  } else {
    impl_->follow_error = s.message();
  }
  return s;
}

Status Engine::Follow(int timeout_ms) {
  Status waited = impl_->store->WaitForChange(timeout_ms);
  Status synced = Sync();
  return synced.ok() ? waited : synced;
}

int64_t Engine::lag() const { return impl_->clock() - impl_->last_caught_up.load(std::memory_order_relaxed); }

bool Engine::IsStale() const { return impl_->max_staleness > 0 && lag() > impl_->max_staleness; }

std::string Engine::follow_error() const {
  std::lock_guard lock(impl_->follow_mu);
  return impl_->follow_error;
}

namespace {
// DO NOT CHANGE: the store setting `optin serve` keeps its public URL in.
constexpr std::string_view kPublicUrlSetting = "public_url";
}  // namespace

Result<std::string> Engine::PublicUrl() {
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> url, impl_->store->GetSetting(kPublicUrlSetting));
  if (!url) return NotFoundError("no server has run on this store, so its address is not known");
  return *url;
}

Status Engine::SetPublicUrl(std::string_view url) {
  OPTIN_RETURN_IF_ERROR(ValidatePublicUrl(url));
  return impl_->store->PutSetting(kPublicUrlSetting, url);
}

// A link token is base64url(Seal(link_key, payload)) where payload is
// u8 version (1) | u64 expiry (microseconds, big-endian) | subject id. Sealed,
// not merely signed, so that a URL does not show whose record it opens.
Result<std::string> Engine::CreateLinkToken(std::string_view subject, int64_t ttl_micros) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  if (ttl_micros <= 0 || ttl_micros > kMaxLinkTtlMicros) {
    return InvalidArgumentError("a link must live between 1 second and 366 days");
  }
  ByteWriter w;
  w.U8(1);
  w.U64(static_cast<uint64_t>(impl_->clock() + ttl_micros));
  w.str().append(subject);
  return Base64Url(Seal(impl_->link_key, w.str()));
}

Result<LinkToken> Engine::OpenLinkToken(std::string_view token) const {
  std::optional<std::string> sealed = FromBase64Url(token);
  std::optional<std::string> payload = sealed ? ::optin::Open(impl_->link_key, *sealed) : std::nullopt;
  if (!payload) return UnauthenticatedError("the link is not valid");
  ByteReader r(*payload);
  uint8_t version;
  uint64_t expires;
  if (!r.U8(version) || version != 1 || !r.U64(expires)) return UnauthenticatedError("the link is not valid");
  LinkToken out;
  out.expires = static_cast<int64_t>(expires);
  out.subject = payload->substr(9);
  if (impl_->clock() >= out.expires) {
    return UnauthenticatedError("the link has expired; ask for a new one");
  }
  return out;
}

namespace {

// What is wrong with the latest signed tree head the store keeps, checked
// against the tree of its events: "" when it is sound or there is none; the
// size it claims goes to `signed_size`.
Result<std::string> CheckLatestHead(Store& store, const internal::MerkleTree& tree, uint64_t& signed_size) {
  OPTIN_ASSIGN_OR_RETURN(std::optional<TreeHeadRow> kept, store.LatestTreeHead());
  if (!kept) return std::string();
  signed_size = kept->tree_size;
  // A head of a larger tree means events were cut from the end.
  if (kept->tree_size > tree.size()) {
    return "the log was signed at " + std::to_string(kept->tree_size) + " events but holds " +
           std::to_string(tree.size()) + ": events were removed from the end";
  }
  SignedTreeHead head;
  head.tree_size = kept->tree_size;
  if (kept->root_hash.size() == head.root_hash.size()) {
    std::copy(kept->root_hash.begin(), kept->root_hash.end(), head.root_hash.begin());
  }
  head.timestamp = kept->timestamp;
  head.key_id = kept->key_id;
  head.signature = kept->signature;
  if (head.root_hash != tree.Root(head.tree_size)) {
    return "the signed tree head of size " + std::to_string(head.tree_size) +
           " does not match the root of the first " + std::to_string(head.tree_size) +
           " events: the events or the head were changed";
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> keys, store.ListLogKeys());
  auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
  if (key == keys.end()) return "the latest signed tree head names log key `" + head.key_id + "`, which the store lacks";
  if (Status s = VerifyTreeHead(head, key->public_key); !s.ok()) return s.message();
  return std::string();
}

}  // namespace

Status Engine::CheckSignedHead() {
  for (int attempt = 0;; ++attempt) {
    uint64_t signed_size = 0;
    std::string problem;
    {
      std::shared_lock lock(impl_->tree_mu);
      OPTIN_ASSIGN_OR_RETURN(problem, CheckLatestHead(*impl_->store, impl_->tree, signed_size));
    }
    if (problem.empty()) return OkStatus();
    // Another node may have appended and signed since this one caught up.
    if (attempt < 3 && signed_size > log_size()) {
      OPTIN_RETURN_IF_ERROR(impl_->writer->Sync());
      continue;
    }
    return DataLossError("the log does not verify: " + problem + "; run `optin verify` for details");
  }
}

namespace {

SignedTreeHead FromRow(const TreeHeadRow& row) {
  SignedTreeHead head;
  head.tree_size = row.tree_size;
  if (row.root_hash.size() == head.root_hash.size()) std::copy(row.root_hash.begin(), row.root_hash.end(), head.root_hash.begin());
  head.timestamp = row.timestamp;
  head.key_id = row.key_id;
  head.signature = row.signature;
  return head;
}

// When the latest kept head does not match: the first kept head that does
// not either, which brackets the rewritten events.
Status LocateRewrite(Store& store, const internal::MerkleTree& tree, const std::vector<LogKeyRow>& keys,
                     VerifyResult& out) {
  uint64_t last_good = 0;
  std::optional<TreeHeadRow> first_bad;
  Status scanned = store.ScanTreeHeads(0, [&](const TreeHeadRow& row) {
    if (row.tree_size > tree.size()) return OkStatus();
    if (FromRow(row).root_hash == tree.Root(row.tree_size)) {
      last_good = row.tree_size;
      return OkStatus();
    }
    first_bad = row;
    return Status(StatusCode::kResourceExhausted, "found");  // stops the scan
  });
  if (!first_bad) return scanned;
  const SignedTreeHead head = FromRow(*first_bad);
  auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
  const bool genuine = key != keys.end() && VerifyTreeHead(head, key->public_key).ok();
  const uint64_t from = last_good + 1, to = head.tree_size;
  out.first_bad_seq = genuine && from == to ? from : 0;
  const std::string which = from == to ? "event " + std::to_string(from) : "an event in " + std::to_string(from) + "-" + std::to_string(to);
  out.problem = genuine ? which + " was rewritten (its hashes recomputed): the signed tree head of size " +
                              std::to_string(to) + " does not match the root of the first " + std::to_string(to) +
                              " events" + (last_good ? ", while the one of size " + std::to_string(last_good) + " does" : "")
                        : "the signed tree head of size " + std::to_string(to) + " was changed (its signature does not verify)";
  return OkStatus();
}

}  // namespace

Result<VerifyResult> VerifyStore(Store& store, std::span<const SignedTreeHead> external) {
  internal::MerkleTree tree;
  OPTIN_ASSIGN_OR_RETURN(internal::VerifyReport r,
                         internal::VerifyLedger(store, [&tree](std::string_view body) { tree.Append(LeafHash(body)); }));
  VerifyResult out;
  out.intact = r.intact;
  out.events = r.events;
  out.first_bad_seq = r.first_bad_seq;
  out.problem = r.problem;
  out.head_hash = ToHex(AsBytes(r.head));
  if (!out.intact) return out;
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogKeyRow> keys, store.ListLogKeys());
  for (const SignedTreeHead& head : external) {
    auto fail = [&](std::string problem) {
      out.intact = false;
      out.problem = "the tree head you gave (size " + std::to_string(head.tree_size) + "): " + std::move(problem);
      return out;
    };
    auto key = std::find_if(keys.begin(), keys.end(), [&](const LogKeyRow& k) { return k.key_id == head.key_id; });
    if (key == keys.end()) return fail("signed with key `" + head.key_id + "`, which this store does not have");
    if (Status s = VerifyTreeHead(head, key->public_key); !s.ok()) return fail(s.message());
    if (head.tree_size > tree.size()) {
      out.first_bad_seq = tree.size() + 1;
      return fail("the log held " + std::to_string(head.tree_size) + " events but now holds " +
                  std::to_string(tree.size()) + ": events were removed from the end");
    }
    if (head.root_hash != tree.Root(head.tree_size)) {
      return fail("it does not match the root of the first " + std::to_string(head.tree_size) +
                  " events: events were changed since");
    }
    ++out.external_heads;
    out.external_tree_size = std::max(out.external_tree_size, head.tree_size);
  }
  OPTIN_ASSIGN_OR_RETURN(std::string problem, CheckLatestHead(store, tree, out.signed_tree_size));
  if (problem.empty()) {
    // Every earlier head too: a rewrite covered by a head signed again
    // since still shows against the heads kept with its commits.
    OPTIN_RETURN_IF_ERROR(LocateRewrite(store, tree, keys, out));
    if (!out.problem.empty()) out.intact = false;
    return out;
  }
  out.intact = false;
  // Only events cut from the end name a first bad event: the one missing.
  out.first_bad_seq = out.signed_tree_size > out.events ? out.events + 1 : 0;
  out.problem = std::move(problem);
  if (out.signed_tree_size <= out.events) OPTIN_RETURN_IF_ERROR(LocateRewrite(store, tree, keys, out));
  return out;
}

}  // namespace optin
