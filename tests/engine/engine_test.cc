#include "optin/engine.h"

#include <gmock/gmock.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "src/common/time.h"
#include "tests/support/json.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

const std::string kShop = ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml");

std::string ShopWith(const std::string& from, const std::string& to) {
  std::string s = kShop;
  s.replace(s.find(from), from.size(), to);
  return s;
}

// Forwards to a memory store; Append fails while `fail` is set, as a full
// disk would.
class FlakyStore : public Store {
 public:
  explicit FlakyStore(std::atomic<bool>& fail) : inner_(NewMemoryStore()), fail_(fail) {}
  std::string Describe() const override { return "flaky:"; }
  Status Append(const AppendBatch& b) override {
    if (fail_) return ResourceExhaustedError("disk full (injected)");
    return inner_->Append(b);
  }
  Status Scan(uint64_t a, const std::function<Status(const StoredEvent&)>& f) override { return inner_->Scan(a, f); }
  Status ScanSubject(std::string_view r, const std::function<Status(const StoredEvent&)>& f) override {
    return inner_->ScanSubject(r, f);
  }
  Result<std::optional<std::string>> GetSubjectKey(std::string_view r) override { return inner_->GetSubjectKey(r); }
  Status ScanSubjectKeys(const std::function<Status(const SubjectKeyRow&)>& f) override {
    return inner_->ScanSubjectKeys(f);
  }
  Result<std::string> Secret() override { return inner_->Secret(); }
  Status AdoptSecret(std::string_view s) override { return inner_->AdoptSecret(s); }
  Status PutApiKey(const ApiKeyRow& k) override { return inner_->PutApiKey(k); }
  Result<std::vector<ApiKeyRow>> ListApiKeys() override { return inner_->ListApiKeys(); }
  Status RevokeApiKey(std::string_view n) override { return inner_->RevokeApiKey(n); }
  Status PutLogKey(const LogKeyRow& k) override { return inner_->PutLogKey(k); }
  Status RetireLogKey(std::string_view id, int64_t when) override { return inner_->RetireLogKey(id, when); }
  Result<std::vector<LogKeyRow>> ListLogKeys() override { return inner_->ListLogKeys(); }
  Result<TreeHeadRow> PutTreeHead(const TreeHeadRow& h) override { return inner_->PutTreeHead(h); }
  Result<std::optional<TreeHeadRow>> LatestTreeHead() override { return inner_->LatestTreeHead(); }
  Status ScanTreeHeads(uint64_t a, const std::function<Status(const TreeHeadRow&)>& f) override {
    return inner_->ScanTreeHeads(a, f);
  }
  Result<std::optional<std::string>> GetSetting(std::string_view n) override { return inner_->GetSetting(n); }
  Status PutSetting(std::string_view n, std::string_view v) override { return inner_->PutSetting(n, v); }
  Result<std::vector<DeliveryRow>> ClaimDeliveries(int64_t now, int64_t lease, size_t limit) override {
    return inner_->ClaimDeliveries(now, lease, limit);
  }
  Status FinishDeliveries(std::span<const DeliveryRow> d) override { return inner_->FinishDeliveries(d); }
  Result<DeliveryRow> ConfirmDelivery(std::string_view r, std::string_view id, std::string_view a, int64_t at,
                                      int64_t now) override {
    return inner_->ConfirmDelivery(r, id, a, at, now);
  }
  Status ScanDeliveries(std::string_view r, std::string_view ref,
                        const std::function<Status(const DeliveryRow&)>& f) override {
    return inner_->ScanDeliveries(r, ref, f);
  }
  Status RecordUsage(const UsageBatch& b) override { return inner_->RecordUsage(b); }
  Status AddDeliveries(std::span<const DeliveryRow> rows) override { return inner_->AddDeliveries(rows); }
  Status ScanUsage(std::string_view ref, const std::function<Status(const UsageDayRow&)>& f) override {
    return inner_->ScanUsage(ref, f);
  }
  Status ScanDeniedCounts(int32_t since, const std::function<Status(const DeniedCountRow&)>& f) override {
    return inner_->ScanDeniedCounts(since, f);
  }

 private:
  std::unique_ptr<Store> inner_;
  std::atomic<bool>& fail_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(StoreOpenMode::kCreate); }

  void Reopen(StoreOpenMode mode) {
    engine_.reset();
    auto e = Engine::Open({.store = dir_.File("optin.db"), .mode = mode, .clock = [this] { return now_.load(); }});
    ASSERT_THAT(e, IsOk());
    engine_ = std::move(e).value();
  }

  void Publish(const std::string& yaml, std::vector<std::string> editorial = {}) {
    auto c = ParseCatalog(yaml, "test.yaml");
    ASSERT_THAT(c, IsOk());
    ASSERT_THAT(engine_->Publish(*c, editorial, ctx_), IsOk());
  }

  std::vector<Recorded> Grant(const std::string& subject, std::vector<std::string> purposes) {
    auto r = engine_->Grant(subject, purposes, ctx_);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : std::vector<Recorded>{};
  }

  void Withdraw(const std::string& subject, std::vector<std::string> purposes) {
    ASSERT_THAT(engine_->Withdraw(subject, purposes, ctx_), IsOk());
  }

  Reason Why(const std::string& subject, const std::string& purpose) { return engine_->Decide(subject, purpose).reason; }

  TempDir dir_;
  std::atomic<int64_t> now_{ParseRfc3339("2026-01-15T12:00:00Z").value()};
  WriteContext ctx_{.channel = "api", .actor = "test", .evidence = ""};
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, DeniesEverythingBeforeAnyCatalog) {
  EXPECT_EQ(engine_->Decide("alice", "ads"), (Decision{false, Reason::kUnknownPurpose, 0}));
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, ctx_),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("no catalog has been published")));
}

TEST_F(EngineTest, DefaultDenyThenGrantThenWithdraw) {
  Publish(kShop);
  EXPECT_EQ(engine_->Decide("alice", "ads"), (Decision{false, Reason::kNoConsent, 0}));
  auto granted = Grant("alice", {"ads"});
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_EQ(granted[0].notice, engine_->catalog()->FindPurpose("ads")->notice_version);
  EXPECT_EQ(engine_->Decide("alice", "ads"), (Decision{true, Reason::kGranted, granted[0].seq}));
  EXPECT_EQ(Why("bob", "ads"), Reason::kNoConsent);
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kNoConsent);
  Withdraw("alice", {"ads"});
  // In effect as soon as Withdraw returned.
  Decision d = engine_->Decide("alice", "ads");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, Reason::kWithdrawn);
  EXPECT_EQ(d.event, granted[0].seq + 1);
}

TEST_F(EngineTest, NecessaryPurposesAreAllowedAndCannotBeGranted) {
  Publish(kShop);
  EXPECT_EQ(engine_->Decide("anyone", "delivery"), (Decision{true, Reason::kNecessary, 1}));
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"delivery"}, ctx_),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("nothing to grant")));
  EXPECT_THAT(engine_->Withdraw("alice", std::vector<std::string>{"delivery"}, ctx_),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("nothing to withdraw")));
}

TEST_F(EngineTest, UnknownPurposesAreRefusedAndDenied) {
  Publish(kShop);
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads", "nope"}, ctx_),
              StatusIs(StatusCode::kNotFound, HasSubstr("unknown purpose `nope`")));
  EXPECT_EQ(Why("alice", "ads"), Reason::kNoConsent);  // nothing of the refused grant was recorded
  EXPECT_EQ(Why("alice", "nope"), Reason::kUnknownPurpose);
}

TEST_F(EngineTest, RefusesBadSubjectIdsAndChannels) {
  Publish(kShop);
  for (std::string bad : {std::string(""), std::string(257, 'a'), std::string("a\nb"), std::string("a\x7f"),
                          std::string("\xff\xfe"), std::string("a\xc2\x85")}) {
    EXPECT_THAT(engine_->Grant(bad, std::vector<std::string>{"ads"}, ctx_), StatusIs(StatusCode::kInvalidArgument, HasSubstr("subject id")));
  }
  EXPECT_THAT(engine_->Grant(std::string(256, 'a'), std::vector<std::string>{"ads"}, ctx_), IsOk());
  EXPECT_THAT(engine_->Grant("顧客-42", std::vector<std::string>{"ads"}, ctx_), IsOk());
  WriteContext fax{.channel = "fax", .actor = "", .evidence = ""};
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, fax), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown channel `fax`")));
  WriteContext gpc{.channel = "gpc", .actor = "", .evidence = ""};
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, gpc), StatusIs(StatusCode::kInvalidArgument, HasSubstr("only ever opts out")));
  EXPECT_THAT(engine_->Withdraw("alice", std::vector<std::string>{"ads"}, gpc), IsOk());
}

TEST_F(EngineTest, MaterialChangeLapsesConsentUntilGivenAgain) {
  Publish(kShop);
  Grant("alice", {"ads", "recommendations"});
  Publish(ShopWith("Ads that fit you.", "Ads that fit you and pay for our service."));
  Decision d = engine_->Decide("alice", "ads");
  EXPECT_EQ(d.reason, Reason::kNoticeChanged);
  EXPECT_EQ(d.event, engine_->last_seq());  // the publication that changed it
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kGranted);  // untouched purpose keeps its consent
  Grant("alice", {"ads"});
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
}

TEST_F(EngineTest, EditorialChangeCarriesConsentOver) {
  Publish(kShop);
  Grant("alice", {"ads"});
  auto c = ParseCatalog(ShopWith("Ads that fit you.", "Ads that suit you."), "t.yaml").value();
  auto r = engine_->Publish(c, {"ads"}, ctx_);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->editorial, (std::vector<std::string>{"ads"}));
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
  // New grants record the new version.
  auto g = Grant("bob", {"ads"});
  EXPECT_EQ(g[0].notice, c.FindPurpose("ads")->notice_version);
  // Consents survive a reopen (replay gives the same answer).
  Reopen(StoreOpenMode::kExisting);
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
}

TEST_F(EngineTest, AChangeOfExpiryCannotBeEditorial) {
  Publish(kShop);
  Grant("alice", {"ads"});
  auto c = ParseCatalog(ShopWith("expires: P12M", "expires: P24M"), "t.yaml").value();
  EXPECT_THAT(engine_->Publish(c, {"ads"}, ctx_),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("`expires` changes from P1Y to P2Y")));
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);  // nothing was published
}

TEST_F(EngineTest, EditorialMustNameAPurposeOfTheCatalog) {
  Publish(kShop);
  auto c = ParseCatalog(kShop, "t.yaml").value();
  EXPECT_THAT(engine_->Publish(c, {"nope"}, ctx_), StatusIs(StatusCode::kInvalidArgument, HasSubstr("`nope`")));
}

TEST_F(EngineTest, RemovedPurposeBecomesUnknownAndKeepsHistory) {
  Publish(kShop);
  Grant("alice", {"recommendations"});
  std::string without = kShop.substr(0, kShop.find("  recommendations:"));
  Publish(without);
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kUnknownPurpose);
  auto h = engine_->History("alice");
  ASSERT_THAT(h, IsOk());
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ(h->front().purpose, "recommendations");
  // Re-adding it is a new notice: the old consent does not silently return.
  Publish(kShop);
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kNoticeChanged);
}

TEST_F(EngineTest, ConsentExpiresAfterThePurposesExpiry) {
  Publish(kShop);  // ads expires after P12M
  now_ = ParseRfc3339("2026-01-31T09:00:00.700Z").value();
  Grant("alice", {"ads"});
  // Allowed up to the instant a year later, to the millisecond: not from
  // the whole second before it.
  for (const char* allowed : {"2027-01-31T08:59:59.999Z", "2027-01-31T09:00:00.000Z", "2027-01-31T09:00:00.699Z"}) {
    Decision d = engine_->DecideAt("alice", "ads", ParseRfc3339(allowed).value());
    EXPECT_TRUE(d.allowed) << allowed;
    EXPECT_EQ(d.reason, Reason::kGranted) << allowed;
  }
  for (const char* expired : {"2027-01-31T09:00:00.700Z", "2027-01-31T09:00:00.701Z", "2027-01-31T09:00:01Z"}) {
    Decision d = engine_->DecideAt("alice", "ads", ParseRfc3339(expired).value());
    EXPECT_FALSE(d.allowed) << expired;
    EXPECT_EQ(d.reason, Reason::kExpired) << expired;
  }
  EXPECT_EQ(engine_->DecideAt("alice", "recommendations", ParseRfc3339("2090-01-01T00:00:00Z").value()).reason,
            Reason::kNoConsent);
}

TEST_F(EngineTest, WithdrawAllCoversEveryConsentPurpose) {
  Publish(kShop);
  Grant("alice", {"ads", "recommendations"});
  ASSERT_THAT(engine_->WithdrawAll("alice", ctx_), IsOk());
  for (const auto& pd : engine_->DecideAll("alice")) {
    if (pd.purpose == "delivery") EXPECT_EQ(pd.decision.reason, Reason::kNecessary);
    else EXPECT_EQ(pd.decision.reason, Reason::kWithdrawn) << pd.purpose;
  }
}

TEST_F(EngineTest, GlobalPrivacyControlOptsOutOfSaleOrShareOnly) {
  Publish(kShop);  // `ads` is sale_or_share, `recommendations` is not
  Grant("alice", {"ads", "recommendations"});
  auto signal = engine_->RecordGpc("alice", ctx_);
  ASSERT_THAT(signal, IsOk());
  ASSERT_TRUE(signal->has_value());
  EXPECT_EQ((*signal)->action, Action::kSignal);
  EXPECT_EQ((*signal)->channel, "gpc");
  EXPECT_EQ(engine_->Decide("alice", "ads"), (Decision{false, Reason::kGpcOptOut, (*signal)->seq}));
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kGranted);
  EXPECT_EQ(Why("bob", "ads"), Reason::kNoConsent);
  // The same signal again is not recorded again.
  auto again = engine_->RecordGpc("alice", ctx_);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->has_value());
  // The history shows it.
  auto h = engine_->History("alice");
  ASSERT_THAT(h, IsOk());
  EXPECT_EQ(h->back().action, Action::kSignal);
  EXPECT_EQ(h->back().channel, "gpc");
  Reopen(StoreOpenMode::kExisting);
  EXPECT_EQ(Why("alice", "ads"), Reason::kGpcOptOut);
}

TEST_F(EngineTest, AGrantUnderGpcNeedsTheConflictAcknowledged) {
  Publish(kShop);
  WriteContext gpc = ctx_;
  gpc.gpc = true;
  auto refused = engine_->Grant("alice", std::vector<std::string>{"ads"}, gpc);
  EXPECT_THAT(refused, StatusIs(StatusCode::kFailedPrecondition, HasSubstr("Global Privacy Control")));
  EXPECT_EQ(refused.status().reason(), "gpc_conflict");
  EXPECT_EQ(Why("alice", "ads"), Reason::kGpcOptOut);  // the signal itself was recorded
  // Purposes that are not sold or shared need no acknowledgement.
  EXPECT_THAT(engine_->Grant("alice", std::vector<std::string>{"recommendations"}, gpc), IsOk());
  gpc.gpc_conflict_acknowledged = true;
  ASSERT_THAT(engine_->Grant("alice", std::vector<std::string>{"ads"}, gpc), IsOk());
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
  auto history = engine_->History("alice");
  ASSERT_THAT(history, IsOk());
  EXPECT_TRUE(history->back().gpc_conflict_acknowledged);
  EXPECT_FALSE((*history)[history->size() - 2].gpc_conflict_acknowledged);  // recommendations needed none
  // The same signal repeating does not undo the knowing grant.
  EXPECT_FALSE(engine_->RecordGpc("alice", ctx_)->has_value());
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
  // Withdrawing is always possible.
  Withdraw("alice", {"ads"});
  EXPECT_EQ(Why("alice", "ads"), Reason::kWithdrawn);
}

TEST_F(EngineTest, HistoryListsOnlyThatSubjectsEvents) {
  Publish(kShop);
  Grant("alice", {"ads"});
  Grant("bob", {"ads"});
  Withdraw("alice", {"ads"});
  auto h = engine_->History("alice");
  ASSERT_THAT(h, IsOk());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ(h->at(0).action, Action::kGrant);
  EXPECT_EQ(h->at(1).action, Action::kWithdraw);
  EXPECT_EQ(h->at(0).channel, "api");
  EXPECT_TRUE(engine_->History("carol")->empty());
}

TEST_F(EngineTest, ReplayGivesTheSameDecisions) {
  Publish(kShop);
  Grant("alice", {"ads"});
  Grant("bob", {"ads", "recommendations"});
  Withdraw("bob", {"ads"});
  auto before = std::make_pair(engine_->DecideAll("alice"), engine_->DecideAll("bob"));
  Reopen(StoreOpenMode::kExisting);
  auto after = std::make_pair(engine_->DecideAll("alice"), engine_->DecideAll("bob"));
  ASSERT_EQ(before.first.size(), after.first.size());
  for (size_t i = 0; i < before.first.size(); ++i) {
    EXPECT_EQ(before.first[i].decision, after.first[i].decision);
    EXPECT_EQ(before.second[i].decision, after.second[i].decision);
  }
  EXPECT_EQ(engine_->last_seq(), 5u);
}

TEST_F(EngineTest, SubjectsAreNotStoredInClear) {
  Publish(kShop);
  Grant("alice-secret-id-4711", {"ads"});
  engine_.reset();
  std::string bytes = ReadFile(dir_.File("optin.db")) + ReadFile(dir_.File("optin.db-wal"));
  EXPECT_EQ(bytes.find("alice-secret-id-4711"), std::string::npos);
}

TEST_F(EngineTest, ConcurrentWritersFormOneUnbrokenChain) {
  Publish(kShop);
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string subject = "s" + std::to_string(t) + "-" + std::to_string(i);
        auto r = engine_->Grant(subject, std::vector<std::string>{"ads"}, ctx_);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        // Applied before acknowledged.
        EXPECT_TRUE(engine_->Decide(subject, "ads").allowed);
        std::lock_guard lock(mu);
        seqs.insert((*r)[0].seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seqs.size(), size_t{kThreads * kEach});
  EXPECT_EQ(*seqs.begin(), 2u);
  EXPECT_EQ(*seqs.rbegin(), uint64_t{kThreads * kEach + 1});
  engine_.reset();
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  ASSERT_THAT(store, IsOk());
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->events, uint64_t{kThreads * kEach + 1});
}

TEST_F(EngineTest, ConcurrentYesAndNoOnOneConsentEndWithTheLastAcknowledged) {
  Publish(kShop);
  // Many threads say yes and no to the same purpose for the same subject.
  // Whatever the interleaving, the decision is that of the write the ledger
  // ordered last, and the chain holds.
  constexpr int kThreads = 8, kEach = 60;
  std::atomic<uint64_t> last_seq{0};
  std::atomic<bool> last_was_grant{false};
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> ads = {"ads"};
      for (int i = 0; i < kEach; ++i) {
        const bool grant = (t + i) % 2 == 0;
        auto r = grant ? engine_->Grant("alice", ads, ctx_) : engine_->Withdraw("alice", ads, ctx_);
        ASSERT_THAT(r, IsOk());
        std::lock_guard lock(mu);
        if (r->front().seq > last_seq) {
          last_seq = r->front().seq;
          last_was_grant = grant;
        }
        // Every answer after an acknowledgement reflects at least that write.
        const Decision d = engine_->Decide("alice", "ads");
        EXPECT_GE(d.event, r->front().seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(last_seq.load(), 1u + kThreads * kEach);
  const Decision d = engine_->Decide("alice", "ads");
  EXPECT_EQ(d.event, last_seq.load());
  EXPECT_EQ(d.reason, last_was_grant ? Reason::kGranted : Reason::kWithdrawn);
  engine_.reset();
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->events, 1u + kThreads * kEach);
  EXPECT_EQ(v->signed_tree_size, v->events);
}

TEST_F(EngineTest, TheClockSteppingBackNeitherReordersTheLedgerNorRevivesAConsent) {
  Publish(kShop);
  now_ = ParseRfc3339("2026-06-01T12:00:00Z").value();
  Grant("alice", {"ads"});
  // The clock steps back an hour (an NTP correction, a VM restored).
  now_ = ParseRfc3339("2026-06-01T11:00:00Z").value();
  std::vector<std::string> ads = {"ads"};
  auto w = engine_->Withdraw("alice", ads, ctx_);
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->front().time, ParseRfc3339("2026-06-01T12:00:00Z").value()) << "ledger time never runs backwards";
  EXPECT_EQ(Why("alice", "ads"), Reason::kWithdrawn);
  // A grant recorded while the clock is behind still expires a year after
  // the time the ledger gave it, never earlier.
  auto g = engine_->Grant("alice", ads, ctx_);
  ASSERT_THAT(g, IsOk());
  EXPECT_EQ(g->front().time, ParseRfc3339("2026-06-01T12:00:00Z").value());
  EXPECT_TRUE(engine_->DecideAt("alice", "ads", ParseRfc3339("2027-06-01T11:59:59Z").value()).allowed);
  EXPECT_EQ(engine_->DecideAt("alice", "ads", ParseRfc3339("2027-06-01T12:00:00Z").value()).reason, Reason::kExpired);
  auto h = engine_->History("alice");
  ASSERT_THAT(h, IsOk());
  for (size_t i = 1; i < h->size(); ++i) EXPECT_GE((*h)[i].time, (*h)[i - 1].time);
  // Replayed, the same answers.
  Reopen(StoreOpenMode::kExisting);
  EXPECT_EQ(Why("alice", "ads"), Reason::kGranted);
}

TEST_F(EngineTest, TwoEnginesOnOneFileKeepOneChain) {
  Publish(kShop);
  auto other = Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kExisting, .clock = {}});
  ASSERT_THAT(other, IsOk());
  Grant("alice", {"ads"});                                                           // seq 2 via engine_
  ASSERT_THAT((*other)->Grant("bob", std::vector<std::string>{"ads"}, ctx_), IsOk());  // catches up, seq 3
  EXPECT_EQ((*other)->last_seq(), 3u);
  EXPECT_TRUE((*other)->Decide("alice", "ads").allowed);
  Grant("carol", {"ads"});  // engine_ catches up in turn
  EXPECT_TRUE(engine_->Decide("bob", "ads").allowed);
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  EXPECT_TRUE(VerifyStore(**store)->intact);
}

TEST_F(EngineTest, TheLogProvesEveryEventUnderASignedHead) {
  Publish(kShop);
  Grant("alice", {"ads"});
  Grant("bob", {"recommendations"});
  auto keys = engine_->LogKeys();
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);  // made by `init` (kCreate)
  auto first = engine_->LogHead();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->tree_size, 3u);
  EXPECT_EQ(first->timestamp, now_.load() / 1000);
  EXPECT_THAT(VerifyTreeHead(*first, keys->back().public_key), IsOk());
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    auto proof = engine_->ProveInclusion(seq, 0);
    ASSERT_THAT(proof, IsOk());
    EXPECT_THAT(VerifyInclusion(*proof, first->root_hash), IsOk()) << seq;
  }
  // Asked again at the same size: the kept head, even later and after a reopen.
  now_ += 5'000'000;
  Reopen(StoreOpenMode::kExisting);
  auto again = engine_->LogHead();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *first);
  Withdraw("alice", {"ads"});
  auto second = engine_->LogHead();
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->tree_size, 4u);
  auto consistency = engine_->ProveConsistency(3, 4);
  ASSERT_THAT(consistency, IsOk());
  EXPECT_THAT(VerifyConsistency(*consistency, first->root_hash, second->root_hash), IsOk());
  EXPECT_THAT(VerifyInclusion(*engine_->ProveInclusion(2, 3), first->root_hash), IsOk());
  EXPECT_THAT(engine_->ProveInclusion(5, 0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("not in a tree of size 4")));
  EXPECT_THAT(engine_->ProveInclusion(0, 0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("start at 1")));
  EXPECT_THAT(engine_->ProveConsistency(2, 9), StatusIs(StatusCode::kInvalidArgument, HasSubstr("larger than the log")));
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
  EXPECT_EQ(v->signed_tree_size, 4u);
}

TEST_F(EngineTest, RotatingTheLogKeyKeepsOldHeadsVerifiable) {
  Publish(kShop);
  auto old_head = engine_->LogHead();
  ASSERT_THAT(old_head, IsOk());
  auto old_key = engine_->LogKeys()->back();
  auto rotated = engine_->RotateLogKey();
  ASSERT_THAT(rotated, IsOk());
  EXPECT_NE(rotated->key_id, old_key.key_id);
  Grant("alice", {"ads"});
  auto new_head = engine_->LogHead();
  ASSERT_THAT(new_head, IsOk());
  EXPECT_EQ(new_head->key_id, rotated->key_id);
  auto keys = engine_->LogKeys();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key_id, old_key.key_id);
  EXPECT_NE((*keys)[0].retired, 0);
  EXPECT_THAT(VerifyTreeHead(*old_head, (*keys)[0].public_key), IsOk());
  EXPECT_THAT(VerifyTreeHead(*new_head, (*keys)[1].public_key), IsOk());
  // Reopened, the new key signs.
  Reopen(StoreOpenMode::kExisting);
  Grant("bob", {"ads"});
  EXPECT_EQ(engine_->LogHead()->key_id, rotated->key_id);
}

TEST_F(EngineTest, VerifyCatchesEventsCutFromTheEndOnceAHeadWasSigned) {
  Publish(kShop);
  Grant("alice", {"ads"});
  Withdraw("alice", {"ads"});
  ASSERT_THAT(engine_->LogHead(), IsOk());
  engine_.reset();
  // Someone removes the withdrawal: the hash chain alone cannot tell.
  ASSERT_EQ(std::system(("sqlite3 " + dir_.File("optin.db") + " 'DELETE FROM events WHERE seq = 3' >/dev/null").c_str()), 0);
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_FALSE(v->intact);
  EXPECT_THAT(v->problem, HasSubstr("signed at 3 events but holds 2: events were removed from the end"));
  EXPECT_EQ(v->first_bad_seq, 3u);
  // Nor does the engine open it: it would allow what was withdrawn, and sign
  // a second head of 3 events with another root.
  EXPECT_THAT(Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kExisting, .clock = {}}),
              StatusIs(StatusCode::kDataLoss, HasSubstr("signed at 3 events but holds 2")));
}

TEST_F(EngineTest, AChangedHeadIsFoundByVerifyAndRefusedOnOpen) {
  Publish(kShop);
  Grant("alice", {"ads"});
  ASSERT_THAT(engine_->LogHead(), IsOk());
  engine_.reset();
  ASSERT_EQ(std::system(("sqlite3 " + dir_.File("optin.db") + " 'UPDATE tree_heads SET root_hash = zeroblob(32)' >/dev/null").c_str()), 0);
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_FALSE(v->intact);
  EXPECT_EQ(v->first_bad_seq, 0u);  // no event is to blame
  EXPECT_EQ(v->problem, "the signed tree head of size 1 was changed (its signature does not verify)");
  store->reset();
  EXPECT_THAT(Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kExisting, .clock = {}}),
              StatusIs(StatusCode::kDataLoss, HasSubstr("run `optin verify`")));
}

TEST_F(EngineTest, ErasureForgetsTheSubjectAndKeepsEveryProof) {
  Publish(kShop);
  Grant("alice", {"ads"});
  Grant("bob", {"ads"});
  auto head_before = engine_->LogHead();
  ASSERT_THAT(head_before, IsOk());
  auto proof_before = engine_->ProveInclusion(2, 3);
  ASSERT_THAT(proof_before, IsOk());
  auto erased = engine_->Erase("alice", ctx_);
  ASSERT_THAT(erased, IsOk());
  EXPECT_EQ(erased->action, Action::kErase);
  EXPECT_EQ(erased->seq, 4u);
  EXPECT_EQ(Why("alice", "ads"), Reason::kNoConsent);
  EXPECT_TRUE(engine_->Decide("bob", "ads").allowed);
  EXPECT_TRUE(engine_->History("alice")->empty());
  EXPECT_TRUE(engine_->Receipts("alice")->empty());
  EXPECT_THAT(engine_->Erase("alice", ctx_), StatusIs(StatusCode::kNotFound, HasSubstr("holds nothing about `alice`")));
  // Every old proof and head still verifies, and the log only grew.
  EXPECT_THAT(VerifyInclusion(*proof_before, head_before->root_hash), IsOk());
  auto head_after = engine_->LogHead();
  EXPECT_THAT(VerifyConsistency(*engine_->ProveConsistency(3, 4), head_before->root_hash, head_after->root_hash), IsOk());
  // After a restart too: the old events no longer open, so alice stays unknown.
  Reopen(StoreOpenMode::kExisting);
  EXPECT_EQ(Why("alice", "ads"), Reason::kNoConsent);
  EXPECT_TRUE(engine_->Decide("bob", "ads").allowed);
  // She may come back, as someone new.
  Grant("alice", {"recommendations"});
  EXPECT_EQ(engine_->History("alice")->size(), 1u);
  EXPECT_EQ(Why("alice", "ads"), Reason::kNoConsent);
  engine_.reset();
  auto store = OpenStore(dir_.File("optin.db"), StoreOpenMode::kExisting);
  auto v = VerifyStore(**store);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->intact) << v->problem;
}

TEST(EngineFailure, AFailedAppendLosesNothingAndIsNotApplied) {
  std::atomic<bool> fail{false};
  auto e = Engine::Open(std::make_unique<FlakyStore>(fail), {});
  ASSERT_THAT(e, IsOk());
  Engine& engine = **e;
  WriteContext ctx{.channel = "api", .actor = "", .evidence = ""};
  ASSERT_THAT(engine.Publish(ParseCatalog(kShop, "t").value(), {}, ctx), IsOk());
  ASSERT_THAT(engine.Grant("alice", std::vector<std::string>{"ads"}, ctx), IsOk());
  fail = true;
  EXPECT_THAT(engine.Withdraw("alice", std::vector<std::string>{"ads"}, ctx),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr("disk full")));
  EXPECT_THAT(engine.Grant("bob", std::vector<std::string>{"ads"}, ctx), StatusIs(StatusCode::kResourceExhausted, HasSubstr("disk full (injected)")));
  // Not acknowledged, so not in effect; what was recorded stands.
  EXPECT_TRUE(engine.Decide("alice", "ads").allowed);
  EXPECT_FALSE(engine.Decide("bob", "ads").allowed);
  fail = false;
  ASSERT_THAT(engine.Withdraw("alice", std::vector<std::string>{"ads"}, ctx), IsOk());
  EXPECT_EQ(engine.Decide("alice", "ads").reason, Reason::kWithdrawn);
  EXPECT_EQ(engine.last_seq(), 3u);
}

TEST(EngineOpen, RefusesATamperedLedger) {
  TempDir dir;
  std::string path = dir.File("optin.db");
  {
    auto e = Engine::Open({.store = path, .mode = StoreOpenMode::kCreate, .clock = {}});
    ASSERT_THAT(e, IsOk());
    WriteContext ctx{.channel = "api", .actor = "", .evidence = ""};
    ASSERT_THAT((*e)->Publish(ParseCatalog(kShop, "t").value(), {}, ctx), IsOk());
    ASSERT_THAT((*e)->Grant("alice", std::vector<std::string>{"ads"}, ctx), IsOk());
  }
  ASSERT_EQ(std::system(("sqlite3 " + path + " \"UPDATE events SET hash = zeroblob(32) WHERE seq = 2\"").c_str()), 0);
  EXPECT_THAT(Engine::Open({.store = path, .mode = StoreOpenMode::kExisting, .clock = {}}),
              StatusIs(StatusCode::kDataLoss, HasSubstr("event 2: hash mismatch")));
}

TEST_F(EngineTest, AChoiceIsOneCallThatRecordsTheSignalTheChoiceAndReturnsDecisionsAndReceipts) {
  Publish(kShop);  // event 1
  WriteContext web = ctx_;
  web.channel = "web";
  web.gpc = true;
  Result<ChoiceResult> r =
      engine_->Choose("alice", {.action = Action::kGrant, .purposes = {"recommendations"}, .locale = "ja"}, web);
  ASSERT_THAT(r, IsOk());
  // The GPC signal (event 2) first, then the grant (event 3).
  ASSERT_EQ(r->recorded.size(), 1u);
  EXPECT_EQ(r->recorded[0].seq, 3u);
  EXPECT_EQ(r->recorded[0].action, Action::kGrant);
  EXPECT_EQ(r->recorded[0].purpose, "recommendations");
  EXPECT_EQ(r->recorded[0].channel, "web");
  EXPECT_EQ(r->recorded[0].notice, engine_->catalog()->FindPurpose("recommendations")->notice_version);
  ASSERT_EQ(r->decisions.size(), 1u);
  EXPECT_EQ(r->decisions[0].purpose, "recommendations");
  EXPECT_EQ(r->decisions[0].decision, (Decision{true, Reason::kGranted, 3}));
  ASSERT_EQ(r->receipts.size(), 1u);
  EXPECT_EQ(testing::JsonDoc(r->receipts[0]).At("/receipt/sequence"), "3");
  EXPECT_EQ(testing::JsonDoc(r->receipts[0]).Str("/receipt/locale"), "ja");
  EXPECT_EQ(r->receipt_error, "");
  EXPECT_EQ(Why("alice", "ads"), Reason::kGpcOptOut);

  // Withdrawing everything: every consent purpose, and every purpose's decision.
  r = engine_->Choose("alice", {.action = Action::kWithdraw, .purposes = {}, .locale = "", .receipts = false}, ctx_);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->recorded.size(), 2u);
  EXPECT_EQ(r->recorded[0].purpose, "ads");
  EXPECT_EQ(r->recorded[1].purpose, "recommendations");
  ASSERT_EQ(r->decisions.size(), engine_->catalog()->purposes.size());
  EXPECT_EQ(r->decisions[0].decision.reason, Reason::kNecessary);
  EXPECT_EQ(Why("alice", "recommendations"), Reason::kWithdrawn);
  EXPECT_TRUE(r->receipts.empty());  // none asked for

  EXPECT_THAT(engine_->Choose("", {.action = Action::kGrant, .purposes = {"ads"}}, ctx_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("subject id is empty")));
  EXPECT_THAT(engine_->Choose("alice", {.action = Action::kErase, .purposes = {"ads"}}, ctx_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("a grant, a withdrawal or a signal")));
  // A signal is a choice too: recorded once, with its receipt; a repeat records nothing.
  r = engine_->Choose("carol", {.action = Action::kSignal, .purposes = {}, .locale = "en"}, ctx_);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->recorded.size(), 1u);
  EXPECT_EQ(r->recorded[0].action, Action::kSignal);
  EXPECT_EQ(r->recorded[0].channel, "gpc");
  ASSERT_EQ(r->receipts.size(), 1u);
  EXPECT_EQ(testing::JsonDoc(r->receipts[0]).Str("/receipt/action"), "signal");
  EXPECT_EQ(Why("carol", "ads"), Reason::kGpcOptOut);
  r = engine_->Choose("carol", {.action = Action::kSignal, .purposes = {}, .locale = "en"}, ctx_);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->recorded.empty());
  EXPECT_TRUE(r->receipts.empty());
  EXPECT_THAT(engine_->Choose("carol", {.action = Action::kSignal, .purposes = {"ads"}}, ctx_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("a signal names no purpose")));
  // A refused grant records nothing but the signal it carried.
  const uint64_t before = engine_->last_seq();
  EXPECT_THAT(engine_->Choose("bob", {.action = Action::kGrant, .purposes = {"ads"}}, web),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("Global Privacy Control")));
  EXPECT_EQ(engine_->last_seq(), before + 1);
}

TEST_F(EngineTest, AChoiceGrantsAndDeclinesInOneTransactionAndARepeatRecordsNothing) {
  Publish(kShop);  // event 1
  Choice choice{.action = Action::kGrant, .purposes = {"recommendations"}, .declined = {"ads"},
                .only_changes = true, .locale = "en"};
  Result<ChoiceResult> r = engine_->Choose("visitor", choice, ctx_);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->recorded.size(), 2u);
  EXPECT_EQ(r->recorded[0].action, Action::kGrant);
  EXPECT_EQ(r->recorded[1].action, Action::kWithdraw);
  EXPECT_EQ(r->recorded[1].purpose, "ads");
  ASSERT_EQ(r->decisions.size(), 2u);
  EXPECT_EQ(r->decisions[1].decision.reason, Reason::kWithdrawn);
  EXPECT_EQ(r->receipts.size(), 2u);
  // The same choice again (a retry whose answer was lost): nothing new.
  const uint64_t seq = engine_->last_seq();
  r = engine_->Choose("visitor", choice, ctx_);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->recorded.empty());
  EXPECT_TRUE(r->receipts.empty());
  EXPECT_EQ(engine_->last_seq(), seq);
  EXPECT_EQ(r->decisions[0].decision.reason, Reason::kGranted);
  // A changed mind records only the change.
  r = engine_->Choose("visitor", {.action = Action::kGrant, .purposes = {"ads"}, .declined = {"recommendations"},
                                  .only_changes = true}, ctx_);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->recorded.size(), 2u);
  EXPECT_EQ(Why("visitor", "ads"), Reason::kGranted);
  EXPECT_EQ(Why("visitor", "recommendations"), Reason::kWithdrawn);
  // Declining alone, and a purpose both ways, which is refused whole.
  r = engine_->Choose("other", {.action = Action::kGrant, .purposes = {}, .declined = {"ads"}}, ctx_);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(Why("other", "ads"), Reason::kWithdrawn);
  const uint64_t before = engine_->last_seq();
  EXPECT_THAT(engine_->Choose("third", {.action = Action::kGrant, .purposes = {"ads", "recommendations"},
                                        .declined = {"ads"}}, ctx_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("`ads` is both granted and declined")));
  EXPECT_THAT(engine_->Choose("third", {.action = Action::kGrant, .purposes = {"recommendations"},
                                        .declined = {"nope"}}, ctx_),
              StatusIs(StatusCode::kNotFound, HasSubstr("unknown purpose `nope`")));
  EXPECT_THAT(engine_->Choose("third", {.action = Action::kWithdraw, .purposes = {"ads"}, .declined = {"ads"}}, ctx_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("only a grant declines")));
  EXPECT_EQ(engine_->last_seq(), before);
  EXPECT_EQ(Why("third", "recommendations"), Reason::kNoConsent);
}

TEST_F(EngineTest, AnOptOutTokenWithdrawsOnePurposeForOneSubjectUntilItExpires) {
  Publish(kShop);
  constexpr int64_t kDay = int64_t{86400} * 1'000'000;
  auto token = engine_->CreateUnsubscribeToken("alice@example.net", "ads", 30 * kDay);
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->find("alice"), std::string::npos) << "the token does not show whose it is";
  auto opened = engine_->OpenUnsubscribeToken(*token);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(opened->subject, "alice@example.net");
  EXPECT_EQ(opened->purpose, "ads");
  EXPECT_EQ(opened->expires, now_.load() + 30 * kDay);
  // Neither kind of token opens the other's door.
  EXPECT_THAT(engine_->OpenLinkToken(*token), StatusIs(StatusCode::kUnauthenticated, HasSubstr("not valid")));
  auto link = engine_->CreateLinkToken("alice@example.net", kDay);
  ASSERT_THAT(link, IsOk());
  EXPECT_THAT(engine_->OpenUnsubscribeToken(*link), StatusIs(StatusCode::kUnauthenticated, HasSubstr("not valid")));
  // Altered, or expired, it opens nothing.
  std::string altered = *token;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_THAT(engine_->OpenUnsubscribeToken(altered), StatusIs(StatusCode::kUnauthenticated, HasSubstr("not valid")));
  now_ += 30 * kDay;
  EXPECT_THAT(engine_->OpenUnsubscribeToken(*token), StatusIs(StatusCode::kUnauthenticated, HasSubstr("expired")));
  // Only for a consent purpose in force, and a sound life.
  EXPECT_THAT(engine_->CreateUnsubscribeToken("alice", "delivery", kDay),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("necessary")));
  EXPECT_THAT(engine_->CreateUnsubscribeToken("alice", "nope", kDay), StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(engine_->CreateUnsubscribeToken("alice", "ads", 0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("366 days")));
  EXPECT_THAT(engine_->CreateUnsubscribeToken("", "ads", kDay), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST_F(EngineTest, AWithdrawalFromAnEmailIsRecordedWithChannelEmail) {
  Publish(kShop);
  Grant("alice", {"ads"});
  WriteContext email{.channel = "email", .actor = "list-unsubscribe"};
  const std::string purposes[] = {"ads"};
  auto r = engine_->Withdraw("alice", purposes, email);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->front().channel, "email");
  EXPECT_EQ(Why("alice", "ads"), Reason::kWithdrawn);
  EXPECT_THAT(ValidateChannel("e-mail"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("import or email")));
}

TEST(PublicUrl, IsTrimmedOfTrailingSlashesAndRefusedWhenNotALinkTarget) {
  EXPECT_EQ(ParsePublicUrl("https://privacy.example/").value_or(""), "https://privacy.example");
  EXPECT_EQ(ParsePublicUrl("http://127.0.0.1:8080/prefs//").value_or(""), "http://127.0.0.1:8080/prefs");
  EXPECT_THAT(ParsePublicUrl("ftp://x"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("http:// or https://")));
  EXPECT_THAT(ParsePublicUrl("https://:8080/"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("no host")));
  EXPECT_THAT(ParsePublicUrl("https://x.example/?a=1"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("a query")));
}

}  // namespace
}  // namespace optin
