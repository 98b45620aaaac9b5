// One contract suite, run against every Store implementation.
#include <gmock/gmock.h>

#include <functional>

#include "optin/store.h"
#include "src/common/crypto.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::StatusIs;
using ::optin::testing::TempDir;
using ::testing::HasSubstr;

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>(const TempDir&)> make;
};

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    store_ = GetParam().make(dir_);
    ASSERT_NE(store_, nullptr);
  }

  static StoredEvent Ev(uint64_t seq, std::string ref = "") {
    StoredEvent e;
    e.seq = seq;
    e.subject_ref = std::move(ref);
    e.body = "body-" + std::to_string(seq);
    e.hash = Sha256(e.body);
    return e;
  }

  std::vector<uint64_t> AllSeqs(uint64_t after = 0) {
    std::vector<uint64_t> seqs;
    EXPECT_THAT(store_->Scan(after, [&](const StoredEvent& e) {
      seqs.push_back(e.seq);
      return OkStatus();
    }), IsOk());
    return seqs;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, AppendsAndScansInOrder) {
  ASSERT_THAT(store_->Append({{Ev(1), Ev(2, "r1")}, {}}), IsOk());
  ASSERT_THAT(store_->Append({{Ev(3, "r2"), Ev(4, "r1")}, {}}), IsOk());
  EXPECT_EQ(AllSeqs(), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(AllSeqs(2), (std::vector<uint64_t>{3, 4}));
  std::vector<StoredEvent> got;
  ASSERT_THAT(store_->Scan(0, [&](const StoredEvent& e) {
    got.push_back(e);
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(got[1].body, "body-2");
  EXPECT_EQ(got[1].subject_ref, "r1");
  EXPECT_EQ(got[1].hash, Sha256("body-2"));
}

TEST_P(StoreContractTest, ScansOneSubject) {
  ASSERT_THAT(store_->Append({{Ev(1), Ev(2, "r1"), Ev(3, "r2"), Ev(4, "r1")}, {}}), IsOk());
  std::vector<uint64_t> seqs;
  ASSERT_THAT(store_->ScanSubject("r1", [&](const StoredEvent& e) {
    seqs.push_back(e.seq);
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{2, 4}));
}

TEST_P(StoreContractTest, RefusesAnAppendThatDoesNotContinueTheLedger) {
  ASSERT_THAT(store_->Append({{Ev(1), Ev(2)}, {}}), IsOk());
  EXPECT_THAT(store_->Append({{Ev(2)}, {}}), StatusIs(StatusCode::kAlreadyExists, HasSubstr("moved on")));
  EXPECT_THAT(store_->Append({{Ev(4)}, {}}), StatusIs(StatusCode::kAlreadyExists, HasSubstr("moved on")));
  EXPECT_EQ(AllSeqs(), (std::vector<uint64_t>{1, 2}));
}

TEST_P(StoreContractTest, KeepsSubjectKeysAndRefusesDuplicates) {
  ASSERT_THAT(store_->Append({{Ev(1, "r1")}, {{"r1", std::string(32, 'k')}}}), IsOk());
  auto key = store_->GetSubjectKey("r1");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(key->value_or(""), std::string(32, 'k'));
  EXPECT_FALSE(store_->GetSubjectKey("r2")->has_value());
  // A batch whose key exists already writes nothing, events included.
  EXPECT_THAT(store_->Append({{Ev(2, "r1")}, {{"r1", std::string(32, 'x')}}}), StatusIs(StatusCode::kAlreadyExists, HasSubstr("a subject key was created by another writer")));
  EXPECT_EQ(AllSeqs(), (std::vector<uint64_t>{1}));
  int n = 0;
  ASSERT_THAT(store_->ScanSubjectKeys([&](const SubjectKeyRow&) {
    ++n;
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(n, 1);
}

TEST_P(StoreContractTest, HasAStableSecret) {
  auto a = store_->Secret();
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(*store_->Secret(), *a);
}

TEST_P(StoreContractTest, KeepsApiKeys) {
  ASSERT_THAT(store_->PutApiKey({"pipeline", "check", std::string(32, 'h'), 5}), IsOk());
  ASSERT_THAT(store_->PutApiKey({"admin", "admin", std::string(32, 'a'), 6}), IsOk());
  EXPECT_THAT(store_->PutApiKey({"pipeline", "write", std::string(32, 'x'), 7}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("`pipeline`")));
  auto keys = store_->ListApiKeys();
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  auto pipeline = std::find_if(keys->begin(), keys->end(), [](const auto& k) { return k.name == "pipeline"; });
  ASSERT_NE(pipeline, keys->end());
  EXPECT_EQ(pipeline->scope, "check");
  EXPECT_EQ(pipeline->hash, std::string(32, 'h'));
  EXPECT_EQ(pipeline->created, 5);
  ASSERT_THAT(store_->RevokeApiKey("pipeline"), IsOk());
  EXPECT_THAT(store_->RevokeApiKey("pipeline"), StatusIs(StatusCode::kNotFound, HasSubstr("`pipeline`")));
  EXPECT_EQ(store_->ListApiKeys()->size(), 1u);
}

TEST_P(StoreContractTest, KeepsLogKeysOldestFirst) {
  ASSERT_THAT(store_->PutLogKey({"bbbb", std::string(32, 'p'), std::string(64, 's'), 20, 0}), IsOk());
  ASSERT_THAT(store_->PutLogKey({"aaaa", std::string(32, 'q'), std::string(64, 't'), 10, 0}), IsOk());
  EXPECT_THAT(store_->PutLogKey({"aaaa", std::string(32, 'x'), std::string(64, 'x'), 30, 0}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("`aaaa`")));
  ASSERT_THAT(store_->RetireLogKey("aaaa", 25), IsOk());
  EXPECT_THAT(store_->RetireLogKey("cccc", 25), StatusIs(StatusCode::kNotFound, HasSubstr("`cccc`")));
  auto keys = store_->ListLogKeys();
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key_id, "aaaa");
  EXPECT_EQ((*keys)[0].retired, 25);
  EXPECT_EQ((*keys)[0].private_key, std::string(64, 't'));
  EXPECT_EQ((*keys)[1].key_id, "bbbb");
  EXPECT_EQ((*keys)[1].retired, 0);
}

TEST_P(StoreContractTest, KeepsTheFirstTreeHeadOfEachSize) {
  EXPECT_FALSE(store_->LatestTreeHead()->has_value());
  auto kept = store_->PutTreeHead({5, std::string(32, 'r'), 1000, "k1", std::string(64, 's')});
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->timestamp, 1000);
  // The same size again: the first head stays.
  kept = store_->PutTreeHead({5, std::string(32, 'r'), 2000, "k1", std::string(64, 'z')});
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(kept->timestamp, 1000);
  EXPECT_EQ(kept->signature, std::string(64, 's'));
  ASSERT_THAT(store_->PutTreeHead({3, std::string(32, 'o'), 3000, "k1", std::string(64, 'o')}), IsOk());
  auto latest = store_->LatestTreeHead();
  ASSERT_THAT(latest, IsOk());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->tree_size, 5u);
  EXPECT_EQ((*latest)->root_hash, std::string(32, 'r'));
  EXPECT_EQ((*latest)->key_id, "k1");
}

TEST_P(StoreContractTest, KeepsTheHeadOfAnAppendInTheSameTransaction) {
  AppendBatch batch{{Ev(1), Ev(2)}, {}};
  batch.head = TreeHeadRow{2, std::string(32, 'a'), 1000, "k1", std::string(64, 's')};
  ASSERT_THAT(store_->Append(batch), IsOk());
  // An append refused (the ledger moved on) keeps no head either.
  AppendBatch stale{{Ev(2)}, {}};
  stale.head = TreeHeadRow{9, std::string(32, 'x'), 2000, "k1", std::string(64, 'x')};
  EXPECT_THAT(store_->Append(stale), StatusIs(StatusCode::kAlreadyExists, HasSubstr("the ledger moved on")));
  AppendBatch next{{Ev(3)}, {}};
  next.head = TreeHeadRow{3, std::string(32, 'b'), 3000, "k1", std::string(64, 't')};
  ASSERT_THAT(store_->Append(next), IsOk());
  std::vector<uint64_t> sizes;
  std::vector<uint64_t> later;
  ASSERT_THAT(store_->ScanTreeHeads(2, [&](const TreeHeadRow& h) {
    later.push_back(h.tree_size);
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(later, std::vector<uint64_t>{3});
  ASSERT_THAT(store_->ScanTreeHeads(0, [&](const TreeHeadRow& h) {
    sizes.push_back(h.tree_size);
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(sizes, (std::vector<uint64_t>{2, 3}));
  auto latest = store_->LatestTreeHead();
  ASSERT_THAT(latest, IsOk());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->root_hash, std::string(32, 'b'));
  EXPECT_EQ((*latest)->signature, std::string(64, 't'));
}

TEST_P(StoreContractTest, ScanStopsAtTheCallersError) {
  ASSERT_THAT(store_->Append({{Ev(1), Ev(2), Ev(3)}, {}}), IsOk());
  int seen = 0;
  EXPECT_THAT(store_->Scan(0, [&](const StoredEvent&) {
    ++seen;
    return DataLossError("stop here");
  }), StatusIs(StatusCode::kDataLoss, HasSubstr("stop here")));
  EXPECT_EQ(seen, 1);
}

// One PostgreSQL server for the whole binary; a new database per test.
optin::testing::PostgresServer& Postgres() {
  static optin::testing::PostgresServer server;  // stopped and removed at exit
  return server;
}

std::unique_ptr<Store> NewPostgresStore() {
  static int n = 0;
  if (!Postgres().error().empty()) {
    ADD_FAILURE() << Postgres().error();
    return nullptr;
  }
  auto s = OpenStore(Postgres().NewDatabase("contract_" + std::to_string(++n)), StoreOpenMode::kCreate);
  EXPECT_THAT(s, IsOk());
  return s.ok() ? std::move(*s) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, StoreContractTest,
    ::testing::Values(StoreFactory{"memory", [](const TempDir&) { return NewMemoryStore(); }},
                      StoreFactory{"postgres", [](const TempDir&) { return NewPostgresStore(); }},
                      StoreFactory{"sqlite",
                                   [](const TempDir& dir) {
                                     auto s = OpenSqliteStore(dir.File("optin.db"), StoreOpenMode::kCreate);
                                     return s.ok() ? std::move(s).value() : nullptr;
                                   }}),
    [](const auto& info) { return info.param.name; });

// SQLite specifics: what is refused, and that refusing changes nothing.
TEST(SqliteStore, PersistsAcrossReopen) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string secret;
  {
    auto s = OpenSqliteStore(dir.File("optin.db"), StoreOpenMode::kCreate);
    ASSERT_THAT(s, IsOk());
    StoredEvent e{1, "", "hello", Sha256("hello")};
    ASSERT_THAT((*s)->Append({{e}, {}}), IsOk());
    secret = *(*s)->Secret();
  }
  auto s = OpenSqliteStore(dir.File("optin.db"), StoreOpenMode::kExisting);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(*(*s)->Secret(), secret);
  int n = 0;
  ASSERT_THAT((*s)->Scan(0, [&](const StoredEvent& e) {
    EXPECT_EQ(e.body, "hello");
    ++n;
    return OkStatus();
  }), IsOk());
  EXPECT_EQ(n, 1);
}

TEST(SqliteStore, RefusesToCreateOverAnExistingFile) {
  TempDir dir;
  std::string path = dir.Write("optin.db", "precious");
  EXPECT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), StatusIs(StatusCode::kAlreadyExists, HasSubstr("never overwrites")));
  EXPECT_EQ(optin::testing::ReadFile(path), "precious");
}

TEST(SqliteStore, RefusesAMissingStoreWithoutCreatingIt) {
  TempDir dir;
  EXPECT_THAT(OpenSqliteStore(dir.File("optin.db"), StoreOpenMode::kExisting),
              StatusIs(StatusCode::kNotFound, HasSubstr("run `optin init`")));
  EXPECT_FALSE(std::filesystem::exists(dir.File("optin.db")));
}

TEST(SqliteStore, RefusesForeignFilesUntouched) {
  TempDir dir;
  std::string text = dir.Write("notes.txt", "this is not a database, just some notes\n");
  EXPECT_THAT(OpenSqliteStore(text, StoreOpenMode::kExisting),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("not an optin store")));
  EXPECT_EQ(optin::testing::ReadFile(text), "this is not a database, just some notes\n");
  std::string empty = dir.Write("empty.db", "");
  EXPECT_THAT(OpenSqliteStore(empty, StoreOpenMode::kExisting), StatusIs(StatusCode::kFailedPrecondition, HasSubstr("empty file")));
}

TEST(SqliteStore, RefusesAnotherApplicationsSqliteDatabase) {
  TempDir dir;
  std::string path = dir.File("other.db");
  ASSERT_EQ(std::system(("sqlite3 " + path + " 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'").c_str()), 0);
  std::string before = optin::testing::ReadFile(path);
  EXPECT_THAT(OpenSqliteStore(path, StoreOpenMode::kExisting),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("an SQLite database but not an optin store")));
  EXPECT_EQ(optin::testing::ReadFile(path), before);
}

TEST(SqliteStore, MigratesAVersionOneStore) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string path = dir.File("optin.db");
  ASSERT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), IsOk());
  // Make it look like a store written by the first schema.
  ASSERT_EQ(std::system(("sqlite3 " + path +
                         " 'DROP TABLE api_keys; DROP TABLE log_keys; DROP TABLE tree_heads; DROP TABLE deliveries;"
                         " DROP TABLE usage_days; DROP TABLE usage_denied; PRAGMA user_version=1;' >/dev/null").c_str()),
            0);
  auto s = OpenSqliteStore(path, StoreOpenMode::kExisting);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT((*s)->PutApiKey({"k", "admin", std::string(32, 'k'), 1}), IsOk());
  EXPECT_THAT((*s)->PutLogKey({"k", std::string(32, 'p'), std::string(64, 's'), 1, 0}), IsOk());
}

TEST(SqliteStore, MigratesAVersionTwoStore) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string path = dir.File("optin.db");
  ASSERT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), IsOk());
  ASSERT_EQ(std::system(("sqlite3 " + path + " 'DROP TABLE log_keys; DROP TABLE tree_heads; DROP TABLE deliveries; DROP TABLE usage_days; DROP TABLE usage_denied; PRAGMA user_version=2;' >/dev/null").c_str()), 0);
  auto s = OpenSqliteStore(path, StoreOpenMode::kExisting);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT((*s)->PutLogKey({"k", std::string(32, 'p'), std::string(64, 's'), 1, 0}), IsOk());
  EXPECT_THAT((*s)->PutTreeHead({1, std::string(32, 'r'), 1, "k", std::string(64, 's')}), IsOk());
}

TEST(SqliteStore, MigratesAVersionThreeStore) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string path = dir.File("optin.db");
  ASSERT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), IsOk());
  ASSERT_EQ(std::system(("sqlite3 " + path +
                         " 'DROP TABLE deliveries; DROP TABLE usage_days; DROP TABLE usage_denied;"
                         " PRAGMA user_version=3;' >/dev/null").c_str()),
            0);
  auto s = OpenSqliteStore(path, StoreOpenMode::kExisting);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT((*s)->ScanDeliveries("", "", [](const DeliveryRow&) { return OkStatus(); }), IsOk());
  EXPECT_THAT((*s)->ScanUsage("", [](const UsageDayRow&) { return OkStatus(); }), IsOk());
  EXPECT_EQ(optin::testing::RunCommand({"sqlite3", path, "PRAGMA user_version"}).out, "5\n");
}

TEST(SqliteStore, RefusesANewerSchemaVersion) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string path = dir.File("optin.db");
  ASSERT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), IsOk());
  ASSERT_EQ(std::system(("sqlite3 " + path + " 'PRAGMA user_version=99;' >/dev/null").c_str()), 0);
  EXPECT_THAT(OpenSqliteStore(path, StoreOpenMode::kExisting),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("schema version 99, newer than this optin reads")));
}

TEST(SqliteStore, RefusesACorruptFile) {
  ASSERT_THAT(InitCrypto(), IsOk());
  TempDir dir;
  std::string path = dir.File("optin.db");
  ASSERT_THAT(OpenSqliteStore(path, StoreOpenMode::kCreate), IsOk());
  std::string bytes = optin::testing::ReadFile(path);
  // Keep the SQLite header, scramble everything after it.
  for (size_t i = 100; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  dir.Write("optin.db", bytes);
  auto s = OpenSqliteStore(path, StoreOpenMode::kExisting);
  if (s.ok()) {
    // The header survived; the damage shows on the first read.
    EXPECT_THAT((*s)->Scan(0, [](const StoredEvent&) { return OkStatus(); }), StatusIs(StatusCode::kDataLoss, HasSubstr("corrupt")));
  } else {
    EXPECT_THAT(s, StatusIs(StatusCode::kDataLoss, HasSubstr("corrupt")));
  }
}

}  // namespace
}  // namespace optin
