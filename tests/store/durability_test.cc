// An acknowledged write is durable: asserted, not assumed. A crash test that
// only kills the process cannot see a missing fsync (the page cache
// survives), so this test watches SQLite's own file operations through a
// VFS that wraps the real one, and checks the pragmas of every connection
// the store opens. Setting synchronous=NORMAL, or leaving WAL, fails it.
#include <gmock/gmock.h>
#include <sqlite3.h>

#include <mutex>
#include <string>
#include <vector>

#include "optin/engine.h"
#include "tests/support/test_support.h"

namespace optin {
namespace {

using ::optin::testing::IsOk;
using ::optin::testing::ReadFile;
using ::optin::testing::TempDir;

// What the wrapped VFS saw, in order.
struct FileOp {
  enum Kind { kWrite, kSync } kind;
  std::string file;
};

std::mutex g_mu;
std::vector<FileOp> g_ops;
std::vector<sqlite3*> g_connections;
sqlite3_vfs* g_real = nullptr;

void Record(FileOp::Kind kind, const std::string& file) {
  std::lock_guard lock(g_mu);
  g_ops.push_back({kind, file});
}

// Our file: the real one is allocated right after it.
struct ShimFile {
  sqlite3_file base;
  std::string* name;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
ShimFile* Shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Shim(f)->real(); }

int ShimClose(sqlite3_file* f) {
  int rc = Real(f)->pMethods ? Real(f)->pMethods->xClose(Real(f)) : SQLITE_OK;
  delete Shim(f)->name;
  return rc;
}
int ShimRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return Real(f)->pMethods->xRead(Real(f), p, n, off); }
int ShimWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  Record(FileOp::kWrite, *Shim(f)->name);
  return Real(f)->pMethods->xWrite(Real(f), p, n, off);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) { return Real(f)->pMethods->xTruncate(Real(f), size); }
int ShimSync(sqlite3_file* f, int flags) {
  Record(FileOp::kSync, *Shim(f)->name);
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int ShimFileSize(sqlite3_file* f, sqlite3_int64* size) { return Real(f)->pMethods->xFileSize(Real(f), size); }
int ShimLock(sqlite3_file* f, int lock) { return Real(f)->pMethods->xLock(Real(f), lock); }
int ShimUnlock(sqlite3_file* f, int lock) { return Real(f)->pMethods->xUnlock(Real(f), lock); }
int ShimCheckReservedLock(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }
int ShimFileControl(sqlite3_file* f, int op, void* arg) { return Real(f)->pMethods->xFileControl(Real(f), op, arg); }
int ShimSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int ShimDeviceCharacteristics(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }
int ShimShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, p);
}
int ShimShmLock(sqlite3_file* f, int offset, int n, int flags) { return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags); }
void ShimShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShimShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int ShimFetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) { return Real(f)->pMethods->xFetch(Real(f), off, n, p); }
int ShimUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return Real(f)->pMethods->xUnfetch(Real(f), off, p); }

const sqlite3_io_methods kShimMethods = {
    3,           ShimClose,       ShimRead,         ShimWrite,      ShimTruncate,  ShimSync,
    ShimFileSize, ShimLock,       ShimUnlock,       ShimCheckReservedLock, ShimFileControl, ShimSectorSize,
    ShimDeviceCharacteristics, ShimShmMap, ShimShmLock, ShimShmBarrier, ShimShmUnmap, ShimFetch, ShimUnfetch};

int ShimOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  ShimFile* shim = Shim(f);
  shim->base.pMethods = nullptr;
  int rc = g_real->xOpen(g_real, name, shim->real(), flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  shim->name = new std::string(name ? name : "");
  shim->base.pMethods = &kShimMethods;
  return SQLITE_OK;
}

// Everything else is the real VFS's.
int ShimDelete(sqlite3_vfs*, const char* name, int sync) { return g_real->xDelete(g_real, name, sync); }
int ShimAccess(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int ShimFullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* ShimDlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void ShimDlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*ShimDlSym(sqlite3_vfs*, void* h, const char* sym))(void) { return g_real->xDlSym(g_real, h, sym); }
void ShimDlClose(sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); }
int ShimRandomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int ShimSleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int ShimCurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int ShimGetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int ShimCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }

int RecordConnection(sqlite3* db, const char**, const struct sqlite3_api_routines*) {
  std::lock_guard lock(g_mu);
  g_connections.push_back(db);
  return SQLITE_OK;
}

// The wrapped VFS as the default, and every new connection recorded, for
// the life of one test.
class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_real = sqlite3_vfs_find(nullptr);
    ASSERT_NE(g_real, nullptr);
    vfs_ = *g_real;
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
    vfs_.zName = "optin-durability-shim";
    vfs_.pNext = nullptr;
    vfs_.xOpen = ShimOpen;
    vfs_.xDelete = ShimDelete;
    vfs_.xAccess = ShimAccess;
    vfs_.xFullPathname = ShimFullPathname;
    vfs_.xDlOpen = ShimDlOpen;
    vfs_.xDlError = ShimDlError;
    vfs_.xDlSym = ShimDlSym;
    vfs_.xDlClose = ShimDlClose;
    vfs_.xRandomness = ShimRandomness;
    vfs_.xSleep = ShimSleep;
    vfs_.xCurrentTime = ShimCurrentTime;
    vfs_.xGetLastError = ShimGetLastError;
    vfs_.xCurrentTimeInt64 = ShimCurrentTimeInt64;
    ASSERT_EQ(sqlite3_vfs_register(&vfs_, 1), SQLITE_OK);
    ASSERT_EQ(sqlite3_auto_extension(reinterpret_cast<void (*)()>(RecordConnection)), SQLITE_OK);
    std::lock_guard lock(g_mu);
    g_ops.clear();
    g_connections.clear();
  }
  void TearDown() override {
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(RecordConnection));
    sqlite3_vfs_register(g_real, 1);
    sqlite3_vfs_unregister(&vfs_);
  }

  std::vector<FileOp> Ops() {
    std::lock_guard lock(g_mu);
    return g_ops;
  }

  sqlite3_vfs vfs_{};
  TempDir dir_;
};

bool IsWal(const std::string& file) { return file.ends_with("-wal"); }

TEST_F(DurabilityTest, EveryAcknowledgedAppendIsFollowedByAnFsyncOfTheWal) {
  auto engine = Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kCreate});
  ASSERT_THAT(engine, IsOk());
  WriteContext ctx{.channel = "api", .actor = "test", .evidence = ""};
  ASSERT_THAT((*engine)->Publish(ParseCatalog(ReadFile(std::string(OPTIN_TESTDATA) + "/catalogs/shop.yaml"), "shop.yaml").value(), {}, ctx),
              IsOk());
  for (int i = 0; i < 5; ++i) {
    const size_t before = Ops().size();
    std::vector<std::string> ads = {"ads"};
    auto granted = i % 2 == 0 ? (*engine)->Grant("alice", ads, ctx) : (*engine)->Withdraw("alice", ads, ctx);
    ASSERT_THAT(granted, IsOk());
    // Acknowledged: the WAL was written, and after its last write, synced.
    const std::vector<FileOp> ops = Ops();
    int last_write = -1, last_sync = -1;
    for (size_t k = before; k < ops.size(); ++k) {
      if (!IsWal(ops[k].file)) continue;
      (ops[k].kind == FileOp::kWrite ? last_write : last_sync) = static_cast<int>(k);
    }
    ASSERT_GE(last_write, 0) << "append " << i << " wrote nothing to the WAL";
    EXPECT_GT(last_sync, last_write) << "append " << i << " was acknowledged before the WAL was synced";
  }
}

TEST_F(DurabilityTest, EveryConnectionRunsInWalModeWithSynchronousFull) {
  auto engine = Engine::Open({.store = dir_.File("optin.db"), .mode = StoreOpenMode::kCreate});
  ASSERT_THAT(engine, IsOk());
  std::vector<sqlite3*> connections;
  {
    std::lock_guard lock(g_mu);
    connections = g_connections;
  }
  ASSERT_FALSE(connections.empty());
  auto pragma = [](sqlite3* db, const char* sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  };
  for (sqlite3* db : connections) {
    EXPECT_EQ(pragma(db, "PRAGMA synchronous"), "2");  // FULL
    EXPECT_EQ(pragma(db, "PRAGMA journal_mode"), "wal");
  }
}

}  // namespace
}  // namespace optin
