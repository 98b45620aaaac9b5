// Engine: opening a store, consent writes (grant, withdraw, GPC, erasure),
// decisions, history and the change feed. The other concerns have their
// own files (src/engine/engine_impl.h lists them).
#include <algorithm>

#include "src/common/utf8.h"
#include "src/engine/engine_impl.h"

namespace optin {
namespace {

constexpr std::string_view kChannels[] = {"web", "api", "cli", "gpc", "import", "email"};

std::string PurposeList(const Catalog& catalog, Basis basis) {
  std::string out;
  for (const auto& p : catalog.purposes) {
    if (p.basis != basis) continue;
    out += (out.empty() ? "`" : ", `") + p.id + "`";
  }
  return out.empty() ? "none" : out;
}

Recorded ToRecorded(const Event& e) { return {e.seq, e.time, e.action, e.purpose, e.notice, e.channel}; }

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

Status ValidateChannel(std::string_view channel) {
  for (auto c : kChannels) {
    if (c == channel) return OkStatus();
  }
  return InvalidArgumentError("unknown channel `" + std::string(channel) + "` (expected web, api, cli, gpc, import or email)");
}

Decision Engine::Impl::Guard(Decision d, int64_t now) const {
  if (max_staleness <= 0 || d.reason == Reason::kNecessary || d.reason == Reason::kUnknownPurpose) return d;
  if (now - last_caught_up.load(std::memory_order_relaxed) <= max_staleness) return d;
  return {false, Reason::kStale, d.event};
}

Status Engine::Impl::Apply(const Event& e, std::string_view subject, std::string_view body) {
  {
    absl::MutexLock lock(&tree_mu);
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
      absl::MutexLock lock(&notices_mu);
      for (const Purpose& p : catalog_ptr->purposes) {
        notices.try_emplace(p.notice_version, Notice{catalog_ptr, &p, CanonicalNotice(*catalog_ptr, p)});
      }
    }
    absl::MutexLock lock(&catalog_mu);
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

std::shared_ptr<const Catalog> Engine::Impl::Current() const {
  absl::MutexLock lock(&catalog_mu);
  return catalog;
}

Result<std::shared_ptr<const Catalog>> Engine::Impl::RequireCatalog() const {
  auto c = Current();
  if (!c) return FailedPreconditionError("no catalog has been published yet; run `optin catalog publish FILE`");
  return c;
}

std::optional<Engine::Impl::Notice> Engine::Impl::FindNotice(std::string_view version) const {
  absl::MutexLock lock(&notices_mu);
  auto it = notices.find(version);
  if (it == notices.end()) return std::nullopt;
  return it->second;
}

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
  // DO NOT CHANGE: a separate key, so that neither kind of token opens the other's door.
  impl->unsubscribe_key = HmacSha256(secret, "optin unsubscribe token v1");
  Impl* raw = impl.get();
  impl->writer = std::make_unique<internal::LedgerWriter>(
      *impl->store, secret, impl->clock,
      [raw](const Event& e, std::string_view subject, std::string_view body) { return raw->Apply(e, subject, body); },
      [raw](std::span<const StoredEvent> appended) { return raw->SignAppend(appended); },
      [raw](std::span<const StoredEvent> run) { return raw->CheckCaughtUp(run); });
  OPTIN_RETURN_IF_ERROR(impl->writer->Replay());
  impl->last_caught_up = impl->clock();
  impl->max_staleness = options.max_staleness;
  impl->record_usage = options.record_usage;
  auto engine = std::unique_ptr<Engine>(new Engine(std::move(impl)));
  // A store whose log no longer matches the head it signed is refused, as
  // one whose chain breaks is: answering from it, or signing a second head
  // of the same size, would hide what happened.
  OPTIN_RETURN_IF_ERROR(engine->impl_->CheckSignedHead());
  // A new store gets its log key at once (older stores when first needed).
  if (options.mode == StoreOpenMode::kCreate) OPTIN_RETURN_IF_ERROR(engine->impl_->SigningKey().status());
  return engine;
}

Result<std::optional<Recorded>> Engine::Impl::RecordGpc(std::string_view subject, const WriteContext& context) {
  if (index.HasGpc(subject)) return std::optional<Recorded>();
  internal::EventDraft d;
  d.action = Action::kSignal;
  d.subject = subject;
  d.channel = "gpc";
  d.actor = context.actor;
  d.evidence = context.evidence;
  // DO NOT CHANGE: names the signal in the ledger (docs/ledger_format.md).
  d.payload = "Sec-GPC: 1";
  AddNotify(d);
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, writer->Append({std::move(d)}));
  return std::optional<Recorded>(ToRecorded(events.front()));
}

Result<std::vector<internal::EventDraft>> Engine::Impl::GrantDrafts(std::string_view subject,
                                                                   std::span<const std::string> purposes,
                                                                   const WriteContext& context,
                                                                   const Catalog& catalog) {
  std::vector<internal::EventDraft> drafts;
  for (const auto& id : purposes) {
    const Purpose* p = catalog.FindPurpose(id);
    if (!p) {
      return NotFoundError("unknown purpose `" + id + "`; the consent purposes in force are " +
                           PurposeList(catalog, Basis::kConsent));
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
  return drafts;
}

Result<std::vector<internal::EventDraft>> Engine::Impl::WithdrawDrafts(std::string_view subject,
                                                                      std::span<const std::string> purposes,
                                                                      const WriteContext& context,
                                                                      const Catalog& catalog) {
  const internal::PurposeTable& known = index.purposes();
  std::vector<internal::EventDraft> drafts;
  for (const auto& id : purposes) {
    const Purpose* p = catalog.FindPurpose(id);
    // A purpose since removed from the catalog may still be withdrawn: saying
    // no is always possible.
    if (!p && !known.by_id.contains(id)) {
      return NotFoundError("unknown purpose `" + id + "`; the consent purposes in force are " +
                           PurposeList(catalog, Basis::kConsent));
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
  return drafts;
}

Result<std::vector<Recorded>> Engine::Impl::GrantAndDecline(std::string_view subject,
                                                           std::span<const std::string> grants,
                                                           std::span<const std::string> declined,
                                                           const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  if (context.channel == "gpc" && !grants.empty()) {
    return InvalidArgumentError("channel `gpc` cannot grant: Global Privacy Control only ever opts out");
  }
  OPTIN_ASSIGN_OR_RETURN(auto catalog, RequireCatalog());
  // The signal is a fact of the request, recorded even when the choice is refused.
  if (context.gpc) OPTIN_RETURN_IF_ERROR(RecordGpc(subject, context).status());
  if (grants.empty() && declined.empty()) return InvalidArgumentError("name at least one purpose");
  for (const std::string& id : grants) {
    if (std::find(declined.begin(), declined.end(), id) != declined.end()) {
      return InvalidArgumentError("`" + id + "` is both granted and declined; a choice says one or the other");
    }
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<internal::EventDraft> drafts, GrantDrafts(subject, grants, context, *catalog));
  OPTIN_ASSIGN_OR_RETURN(std::vector<internal::EventDraft> no, WithdrawDrafts(subject, declined, context, *catalog));
  for (internal::EventDraft& d : no) drafts.push_back(std::move(d));
  return AppendDrafts(std::move(drafts));
}

Result<std::vector<Recorded>> Engine::Impl::Grant(std::string_view subject, std::span<const std::string> purposes,
                                                 const WriteContext& context) {
  if (context.channel == "gpc") {
    return InvalidArgumentError("channel `gpc` cannot grant: Global Privacy Control only ever opts out");
  }
  if (purposes.empty()) {
    OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
    OPTIN_RETURN_IF_ERROR(RequireCatalog().status());
    if (context.gpc) OPTIN_RETURN_IF_ERROR(RecordGpc(subject, context).status());
    return InvalidArgumentError("name at least one purpose to grant");
  }
  return GrantAndDecline(subject, purposes, {}, context);
}

Result<std::vector<Recorded>> Engine::Impl::Withdraw(std::string_view subject, std::span<const std::string> purposes,
                                                    const WriteContext& context) {
  if (purposes.empty()) {
    OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
    OPTIN_RETURN_IF_ERROR(RequireCatalog().status());
    if (context.gpc) OPTIN_RETURN_IF_ERROR(RecordGpc(subject, context).status());
    return InvalidArgumentError("name at least one purpose to withdraw");
  }
  return GrantAndDecline(subject, {}, purposes, context);
}

Result<std::vector<Recorded>> Engine::Impl::WithdrawAll(std::string_view subject, const WriteContext& context) {
  OPTIN_ASSIGN_OR_RETURN(auto catalog, RequireCatalog());
  std::vector<std::string> ids;
  for (const auto& p : catalog->purposes) {
    if (p.basis == Basis::kConsent) ids.push_back(p.id);
  }
  if (ids.empty()) return std::vector<Recorded>();
  return Withdraw(subject, ids, context);
}

Result<std::vector<Recorded>> Engine::Impl::AppendDrafts(std::vector<internal::EventDraft> drafts) {
  for (internal::EventDraft& d : drafts) AddNotify(d);
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, writer->Append(std::move(drafts)));
  std::vector<Recorded> out;
  out.reserve(events.size());
  for (const Event& e : events) out.push_back(ToRecorded(e));
  return out;
}

Result<std::optional<Recorded>> Engine::RecordGpc(std::string_view subject, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  return impl_->RecordGpc(subject, context);
}

Result<std::vector<Recorded>> Engine::Grant(std::string_view subject, std::span<const std::string> purposes,
                                            const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  return impl_->Grant(subject, purposes, context);
}

Result<std::vector<Recorded>> Engine::Withdraw(std::string_view subject, std::span<const std::string> purposes,
                                               const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  return impl_->Withdraw(subject, purposes, context);
}

Result<std::vector<Recorded>> Engine::WithdrawAll(std::string_view subject, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  return impl_->WithdrawAll(subject, context);
}

Result<ChoiceResult> Engine::Choose(std::string_view subject, const Choice& choice, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  Result<std::vector<Recorded>> recorded = InvalidArgumentError("a choice is a grant, a withdrawal or a signal");
  const bool everything =
      (choice.action == Action::kWithdraw && choice.purposes.empty()) || choice.action == Action::kSignal;
  if (!choice.declined.empty() && choice.action != Action::kGrant) {
    return InvalidArgumentError("only a grant declines purposes in the same choice");
  }
  // What the choice changes: with only_changes, the purposes whose latest
  // word says otherwise.
  const int64_t now = impl_->clock();
  auto changes = [&](const std::vector<std::string>& ids, Reason same) {
    std::vector<std::string> out;
    for (const std::string& id : ids) {
      if (!choice.only_changes || impl_->DecidePurpose(subject, id, now).decision.reason != same) out.push_back(id);
    }
    return out;
  };
  const std::vector<std::string> purposes = changes(choice.purposes, choice.action == Action::kGrant
                                                                         ? Reason::kGranted
                                                                         : Reason::kWithdrawn);
  const std::vector<std::string> declined = changes(choice.declined, Reason::kWithdrawn);
  const bool unchanged = choice.only_changes && !everything && purposes.empty() && declined.empty() &&
                         !(choice.purposes.empty() && choice.declined.empty());
  if (unchanged) {
    // Nothing to record but the signal the request carries.
    recorded = std::vector<Recorded>();
    if (context.gpc) {
      Result<std::optional<Recorded>> signal = impl_->RecordGpc(subject, context);
      if (!signal.ok()) return signal.status();
      if (*signal) recorded->push_back(**signal);
    }
  } else if (choice.action == Action::kGrant && !choice.declined.empty()) {
    recorded = impl_->GrantAndDecline(subject, purposes, declined, context);
  } else if (choice.action == Action::kGrant) {
    recorded = impl_->Grant(subject, purposes, context);
  } else if (choice.action == Action::kSignal) {
    if (!choice.purposes.empty()) return InvalidArgumentError("a signal names no purpose");
    Result<std::optional<Recorded>> signal = impl_->RecordGpc(subject, context);
    if (!signal.ok()) return signal.status();
    recorded = *signal ? std::vector<Recorded>{**signal} : std::vector<Recorded>{};
  } else if (everything) {
    recorded = impl_->WithdrawAll(subject, context);
  } else if (choice.action == Action::kWithdraw) {
    recorded = impl_->Withdraw(subject, purposes, context);
  }
  if (!recorded.ok()) return recorded.status();
  ChoiceResult out;
  out.recorded = std::move(*recorded);
  if (everything) {
    out.decisions = DecideAll(subject);
  } else {
    const int64_t after = impl_->clock();
    for (const std::string& id : choice.purposes) out.decisions.push_back(impl_->DecidePurpose(subject, id, after));
    for (const std::string& id : choice.declined) out.decisions.push_back(impl_->DecidePurpose(subject, id, after));
  }
  std::vector<uint64_t> seqs;
  for (const Recorded& r : out.recorded) seqs.push_back(r.seq);
  if (choice.receipts && !seqs.empty()) {
    Result<std::vector<std::string>> receipts = impl_->Receipts(subject, seqs, choice.locale);
    if (receipts.ok()) out.receipts = std::move(*receipts);
    else out.receipt_error = receipts.status().message();
  }
  return out;
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
  for (const auto& p : catalog->purposes) out.push_back(impl_->DecidePurpose(subject, p.id, now));
  return out;
}

PurposeDecision Engine::Impl::DecidePurpose(std::string_view subject, std::string_view purpose, int64_t now) const {
  PurposeDecision d{.purpose = std::string(purpose), .decision = Guard(index.Decide(subject, purpose, now), now)};
  if (std::optional<internal::Index::LatestGrant> grant = index.LatestGrantOf(subject, purpose)) {
    d.withdrawable = true;
    d.expires_at = grant->expires_at;
  }
  return d;
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
  OPTIN_RETURN_IF_ERROR(ScanStatus(impl_->store->Scan(after, [&](const StoredEvent& stored) {
    OPTIN_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.body));
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> subject, impl_->writer->OpenSubject(e));
    out.push_back({e.seq, e.time, e.action, subject.value_or(""), e.purpose, e.notice, e.channel});
    return out.size() >= limit ? StopScan() : OkStatus();
  })));
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

Result<Recorded> Engine::Erase(std::string_view subject, const WriteContext& context) {
  OPTIN_RETURN_IF_ERROR(ValidateSubjectId(subject));
  OPTIN_RETURN_IF_ERROR(ValidateChannel(context.channel));
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> key, impl_->store->GetSubjectKey(impl_->writer->SubjectRef(subject)));
  if (!key) return NotFoundError("optin holds nothing about `" + std::string(subject) + "`");
  internal::EventDraft d;
  d.action = Action::kErase;
  d.subject = subject;
  d.channel = context.channel;
  d.actor = context.actor;
  impl_->AddNotify(d);
  OPTIN_ASSIGN_OR_RETURN(std::vector<Event> events, impl_->writer->Append({std::move(d)}));
  return ToRecorded(events.front());
}

std::shared_ptr<const Catalog> Engine::catalog() const { return impl_->Current(); }
uint64_t Engine::last_seq() const { return impl_->writer->last_seq(); }
size_t Engine::subject_count() const { return impl_->index.subject_count(); }
int64_t Engine::Now() const { return impl_->clock(); }

}  // namespace optin
