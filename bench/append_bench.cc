// Durable append throughput through optin::Engine (DESIGN §10, "ledger
// append, durable"): Grant() from 1, 8 and 64 threads at once, so that the
// ledger's group commit can put many writers' events in one transaction.
//
// Each Grant() records one event (one consent purpose of the shop catalog,
// tests/testdata/catalogs/shop.yaml) for a subject never seen before, so each
// event also creates that subject's key: the first-consent path of a cookie
// banner, which is the most work per event.
//
// Stores (see bench/RESULTS.md):
//   sqlite_disk  the SQLite store (WAL, synchronous=FULL) in a fresh temporary
//                directory under $OPTIN_BENCH_DIR (default /tmp), on disk.
//   sqlite_shm   the same store and the same code under /dev/shm (tmpfs),
//                where fsync returns at once: "syncing off" without changing
//                the engine, which has no switch for it.
//   memory       the memory store: no SQLite at all, the engine's own cost
//                (hashing, HMAC, sealing, encoding, applying, group commit).
// Plus Fsync/disk_*: one 4 KiB write + fdatasync in the same directory, the
// floor under a durable commit on this disk (overwriting in place, and
// appending so that the file grows).
//
// items/s is events per second of wall time, over all threads.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "optin/catalog.h"
#include "optin/engine.h"
#include "optin/store.h"

namespace optin {
namespace {

constexpr char kShopCatalog[] = OPTIN_SOURCE_DIR "/tests/testdata/catalogs/shop.yaml";
constexpr char kShmDir[] = "/dev/shm";
constexpr size_t kFsyncBlock = 4096;

enum class Where { kDisk, kShm, kMemory, kPostgres };

// A PostgreSQL server to append to (bench/pg_bench.sh starts one): its URL
// without a database, e.g. postgresql://optin@127.0.0.1:5432.
const char* PostgresServer() {
  const char* url = std::getenv("OPTIN_BENCH_PG");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

std::string DiskDir() {
  const char* dir = std::getenv("OPTIN_BENCH_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

// A new empty directory under `parent`; empty on failure.
std::string MakeTempDir(const std::string& parent) {
  std::string pattern = parent + "/optin-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// Shared by the threads of one run: thread 0 sets it up before the loop and
// tears it down after (the loop's start and end are barriers for all threads).
struct Shared {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::atomic<bool> ready{false};
  std::atomic<uint64_t> run{0};
};
Shared shared;

Status SetUp(Where where) {
  std::string location = "memory:";
  if (where == Where::kPostgres) {
    // A fresh database per run.
    const std::string name = "bench_" + std::to_string(shared.run.load()) + "_" + std::to_string(getpid());
    if (std::system(("psql -q '" + std::string(PostgresServer()) + "/postgres' -c 'CREATE DATABASE " + name +
                     "' >/dev/null 2>&1")
                        .c_str()) != 0) {
      return UnavailableError("cannot create a database on " + std::string(PostgresServer()));
    }
    location = std::string(PostgresServer()) + "/" + name;
  } else if (where != Where::kMemory) {
    shared.dir = MakeTempDir(where == Where::kDisk ? DiskDir() : kShmDir);
    if (shared.dir.empty()) return UnavailableError("cannot create a temporary directory");
    location = shared.dir + "/optin.db";
  }
  // Not designated initialisers: -Wextra flags the members left out.
  EngineOptions options;
  options.store = location;
  options.mode = StoreOpenMode::kCreate;
  OPTIN_ASSIGN_OR_RETURN(shared.engine, Engine::Open(std::move(options)));
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalogFile(kShopCatalog));
  WriteContext publisher;
  publisher.channel = "cli";
  publisher.actor = "bench";
  OPTIN_RETURN_IF_ERROR(shared.engine->Publish(catalog, {}, publisher).status());
  return OkStatus();
}

void TearDown() {
  shared.engine.reset();
  if (!shared.dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(shared.dir, ignored);
    shared.dir.clear();
  }
}

void BM_Append(benchmark::State& state, Where where) {
  if (state.thread_index() == 0) {
    shared.run.fetch_add(1);
    Status s = SetUp(where);
    shared.ready.store(s.ok());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  const std::vector<std::string> purposes[] = {{"ads"}, {"recommendations"}};
  const WriteContext context{.channel = "web", .actor = "bench", .evidence = "Mozilla/5.0 (bench)"};
  // Unique per run and thread: every Grant is a subject's first.
  const std::string prefix =
      "r" + std::to_string(shared.run.load()) + "-t" + std::to_string(state.thread_index()) + "-subject-";
  uint64_t i = 0;
  for (auto _ : state) {
    if (!shared.ready.load()) {
      state.SkipWithError("set-up failed");
      break;
    }
    auto r = shared.engine->Grant(prefix + std::to_string(i), purposes[i % 2], context);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    state.SetLabel(where == Where::kMemory ? "memory:" : where == Where::kPostgres ? "postgresql" : shared.dir);
    TearDown();
  }
}

// Overwrites one block (`grow` false) or appends a block each time (`grow`
// true, which makes fdatasync also commit the file's new size to the
// file system journal, as a growing SQLite WAL does).
void BM_Fsync(benchmark::State& state, bool grow) {
  std::string dir = MakeTempDir(DiskDir());
  int fd = dir.empty() ? -1 : open((dir + "/fsync").c_str(), O_CREAT | O_WRONLY, 0600);
  if (fd < 0) {
    state.SkipWithError("cannot create a file to fsync");
    return;
  }
  std::vector<char> block(kFsyncBlock, 'x');
  off_t offset = 0;
  for (auto _ : state) {
    if (pwrite(fd, block.data(), block.size(), offset) != static_cast<ssize_t>(block.size()) || fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
    if (grow) offset += static_cast<off_t>(block.size());
  }
  close(fd);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(dir);
}

}  // namespace
}  // namespace optin

int main(int argc, char** argv) {
  using optin::Where;
  const std::pair<const char*, Where> stores[] = {
      {"Append/sqlite_disk", Where::kDisk}, {"Append/sqlite_shm", Where::kShm}, {"Append/memory", Where::kMemory}};
  for (const auto& [name, where] : stores) {
    benchmark::RegisterBenchmark(name, optin::BM_Append, where)->UseRealTime()->Threads(1)->Threads(8)->Threads(64);
  }
  if (optin::PostgresServer() != nullptr) {
    benchmark::RegisterBenchmark("Append/postgres", optin::BM_Append, Where::kPostgres)
        ->UseRealTime()->Threads(1)->Threads(8)->Threads(32);
  }
  benchmark::RegisterBenchmark("Fsync/disk_4KiB_overwrite", optin::BM_Fsync, false)->UseRealTime();
  benchmark::RegisterBenchmark("Fsync/disk_4KiB_append", optin::BM_Fsync, true)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
