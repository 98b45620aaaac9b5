// Decide() throughput and index memory (DESIGN §10, "in-process Decide()" and
// "memory"), side by side with a plain std::unordered_map baseline.
//
// The index is filled directly (internal::Index::ApplyPublish and
// ApplySubjectEvent) rather than through the ledger: filling 10M subjects
// through SQLite would take far longer than the benchmark itself. The catalog
// has 16 consent purposes (every other one with `expires: P12M`, so half the
// grants also pay for the expiry check) and every subject has one event per
// purpose: 70% grants, 30% withdrawals.
//
// Cases (see bench/RESULTS.md):
//   resident_1M  1M subjects in the index; queries cycle over a hot set of
//                1,000 of them, so what Decide() touches stays in cache.
//   random_1M    1M subjects, each query a uniformly random subject.
//   random_10M   10M subjects, uniformly random. Filling takes ~30 s and peaks
//                at ~4.5 GB here; OPTIN_BENCH_LARGE=0 skips it on small machines.
// Each runs on 1 and 2 threads over one shared index; items/s is the total
// over all threads (wall time).
//
// Plus Memory/dependent_load: a pointer chase through 1 MiB and 1 GiB, the
// price of one cache hit and of one DRAM miss on this machine, to read the
// random cases against.
//
// Queries are pregenerated: fixed-width subject ids packed in one buffer and
// read sequentially, so the harness itself causes no cache misses and both
// sides pay exactly the same for producing a query.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "optin/catalog.h"
#include "optin/decision.h"
#include "optin/ledger.h"
#include "src/common/time.h"
#include "src/index/index.h"

namespace optin {
namespace {

constexpr size_t kPurposes = 16;
constexpr size_t kMillion = 1'000'000;
constexpr size_t kHotSubjects = 1000;
// Query streams are cycled. The hot one is short so that it stays in L2
// together with the hot subjects; the random one is long enough that the
// branch predictor cannot learn it.
constexpr size_t kHotQueries = size_t{1} << 16;
constexpr size_t kRandomQueries = size_t{1} << 22;
// "user-" and 8 digits: 13 bytes, so std::string keeps it inline (no heap).
constexpr std::string_view kIdPrefix = "user-";
constexpr size_t kIdDigits = 8;
constexpr size_t kIdWidth = kIdPrefix.size() + kIdDigits;
// Out of 1000: the share of (subject, purpose) pairs whose event is a grant.
constexpr uint64_t kGrantPerMille = 700;
constexpr int64_t kEventTime = int64_t{1'780'000'000} * kMicrosPerSecond;  // 2026-05
constexpr int64_t kNow = kEventTime + int64_t{86'400} * kMicrosPerSecond;  // a day later: nothing expired
constexpr uint64_t kSeed = 0x6f7074696e;                                   // "optin"

std::string PurposeId(size_t p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "purpose_%02zu", p);
  return buf;
}

std::string CatalogYaml() {
  std::string y =
      "organization: {name: Bench Org, contact: privacy@bench.example}\n"
      "locales: [en]\n"
      "data_categories:\n"
      "  clicks:\n"
      "    title: {en: Clicks}\n"
      "    description: {en: Pages you clicked.}\n"
      "purposes:\n";
  for (size_t p = 0; p < kPurposes; ++p) {
    y += "  " + PurposeId(p) + ":\n";
    y += "    basis: consent\n";
    y += "    title: {en: Purpose " + std::to_string(p) + "}\n";
    y += "    description: {en: Benchmark purpose number " + std::to_string(p) + ".}\n";
    y += "    benefit: {en: Something useful.}\n";
    y += "    data: [clicks]\n";
    y += "    retention: P13M\n";
    if (p % 2 == 0) y += "    expires: P12M\n";
  }
  return y;
}

void FormatId(uint64_t n, char* out) {
  std::memcpy(out, kIdPrefix.data(), kIdPrefix.size());
  for (size_t i = kIdWidth; i > kIdPrefix.size(); --i) {
    out[i - 1] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
}

std::string SubjectId(uint64_t n) {
  std::string s(kIdWidth, '\0');
  FormatId(n, s.data());
  return s;
}

// splitmix64: fast, and the same sequence on every machine.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

// Whether subject `s` granted purpose `p` (else withdrew): a pure function,
// so the index and the baseline are filled with the same events.
bool Grants(uint64_t s, size_t p) {
  Rng r{kSeed ^ (s * kPurposes + p)};
  return r.Below(1000) < kGrantPerMille;
}

size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct QueryStream {
  std::string ids;                // size() * kIdWidth bytes
  std::vector<uint8_t> purposes;  // purpose numbers
  size_t size() const { return purposes.size(); }
  std::string_view Subject(size_t i) const { return {ids.data() + i * kIdWidth, kIdWidth}; }
};

QueryStream MakeQueries(const std::vector<uint64_t>& pool, size_t n, Rng& rng) {
  QueryStream q;
  q.ids.resize(n * kIdWidth);
  q.purposes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    FormatId(pool.empty() ? 0 : pool[rng.Below(pool.size())], q.ids.data() + i * kIdWidth);
    q.purposes[i] = static_cast<uint8_t>(rng.Below(kPurposes));
  }
  return q;
}

// The baseline: what a hand-written consent cache would be. Purpose name to
// number, subject to one byte per purpose (1 = allowed).
struct Baseline {
  std::unordered_map<std::string, uint8_t> purposes;
  std::unordered_map<std::string, std::array<uint8_t, kPurposes>> subjects;

  bool Decide(std::string_view subject, std::string_view purpose) const {
    auto p = purposes.find(std::string(purpose));  // short: no allocation
    if (p == purposes.end()) return false;
    auto s = subjects.find(std::string(subject));
    return s != subjects.end() && s->second[p->second] != 0;
  }
};

// One filled index and baseline, shared by every case and thread of a size.
struct World {
  size_t subjects = 0;
  std::vector<std::string> purpose_ids;
  internal::Index index;
  Baseline baseline;
  QueryStream hot, random;
  double index_bytes_per_subject = 0, baseline_bytes_per_subject = 0;
  double index_fill_s = 0, baseline_fill_s = 0;
};

void Fill(World& w) {
  Result<Catalog> catalog = ParseCatalog(CatalogYaml(), "bench_catalog.yaml");
  if (!catalog.ok()) {
    std::fprintf(stderr, "decide_bench: %s\n", catalog.status().message().c_str());
    std::exit(1);
  }
  for (size_t p = 0; p < kPurposes; ++p) w.purpose_ids.push_back(PurposeId(p));

  // Queries first, so that their memory is not counted as the index's.
  Rng rng{kSeed};
  std::vector<uint64_t> hot_pool(kHotSubjects);
  for (auto& s : hot_pool) s = rng.Below(w.subjects);
  w.hot = MakeQueries(hot_pool, kHotQueries, rng);
  {
    // Uniform over all subjects: a pool of every subject number would cost
    // 80 MB at 10M, so draw directly.
    QueryStream& q = w.random;
    q.ids.resize(kRandomQueries * kIdWidth);
    q.purposes.resize(kRandomQueries);
    for (size_t i = 0; i < kRandomQueries; ++i) {
      FormatId(rng.Below(w.subjects), q.ids.data() + i * kIdWidth);
      q.purposes[i] = static_cast<uint8_t>(rng.Below(kPurposes));
    }
  }

  // Events reused for every subject: only seq changes.
  std::array<Event, kPurposes> grant, withdraw;
  for (size_t p = 0; p < kPurposes; ++p) {
    for (Event* e : {&grant[p], &withdraw[p]}) {
      e->time = kEventTime;
      e->purpose = catalog->purposes[p].id;
      e->notice = catalog->purposes[p].notice_version;
    }
    grant[p].action = Action::kGrant;
    withdraw[p].action = Action::kWithdraw;
  }

  size_t before = RssBytes();
  auto start = std::chrono::steady_clock::now();
  uint64_t seq = 1;
  w.index.ApplyPublish(*catalog, {}, seq);
  char id[kIdWidth];
  for (uint64_t s = 0; s < w.subjects; ++s) {
    FormatId(s, id);
    for (size_t p = 0; p < kPurposes; ++p) {
      Event& e = Grants(s, p) ? grant[p] : withdraw[p];
      e.seq = ++seq;
      w.index.ApplySubjectEvent({id, kIdWidth}, e);
    }
  }
  w.index_fill_s = SecondsSince(start);
  w.index_bytes_per_subject = static_cast<double>(RssBytes() - before) / static_cast<double>(w.subjects);

  before = RssBytes();
  start = std::chrono::steady_clock::now();
  for (size_t p = 0; p < kPurposes; ++p) w.baseline.purposes.emplace(w.purpose_ids[p], static_cast<uint8_t>(p));
  w.baseline.subjects.reserve(w.subjects);
  for (uint64_t s = 0; s < w.subjects; ++s) {
    std::array<uint8_t, kPurposes> row{};
    for (size_t p = 0; p < kPurposes; ++p) row[p] = Grants(s, p) ? 1 : 0;
    w.baseline.subjects.emplace(SubjectId(s), row);
  }
  w.baseline_fill_s = SecondsSince(start);
  w.baseline_bytes_per_subject = static_cast<double>(RssBytes() - before) / static_cast<double>(w.subjects);

  // Both sides must give the same answers, or the comparison means nothing.
  for (size_t i = 0; i < 100'000; ++i) {
    std::string_view subject = w.random.Subject(i);
    const std::string& purpose = w.purpose_ids[w.random.purposes[i]];
    Decision d = w.index.Decide(subject, purpose, kNow);
    bool want = w.baseline.Decide(subject, purpose);
    if (d.allowed != want || (d.reason != Reason::kGranted && d.reason != Reason::kWithdrawn)) {
      std::fprintf(stderr, "decide_bench: index and baseline disagree on %.*s/%s\n", static_cast<int>(subject.size()),
                   subject.data(), purpose.c_str());
      std::exit(1);
    }
  }
  std::fprintf(stderr, "decide_bench: %zu subjects: index filled in %.1f s (%.0f B/subject), baseline in %.1f s (%.0f B/subject)\n",
               w.subjects, w.index_fill_s, w.index_bytes_per_subject, w.baseline_fill_s, w.baseline_bytes_per_subject);
}

// Builds the world for `subjects` once; a new size frees the previous one
// (benchmarks of one size are registered together).
const World& GetWorld(size_t subjects) {
  static std::mutex mu;
  static std::unique_ptr<World> world;
  std::lock_guard lock(mu);
  if (!world || world->subjects != subjects) {
    world.reset();
    world = std::make_unique<World>();
    world->subjects = subjects;
    Fill(*world);
  }
  return *world;
}

enum class Side { kOptin, kBaseline };

struct Case {
  size_t subjects;
  bool hot;
};

void BM_Decide(benchmark::State& state, Side side, Case c) {
  const World& w = GetWorld(c.subjects);
  const QueryStream& q = c.hot ? w.hot : w.random;
  // Threads start at different places in the stream.
  size_t i = q.size() / static_cast<size_t>(state.threads()) * static_cast<size_t>(state.thread_index());
  size_t allowed = 0;
  if (side == Side::kOptin) {
    for (auto _ : state) {
      Decision d = w.index.Decide(q.Subject(i), w.purpose_ids[q.purposes[i]], kNow);
      allowed += d.allowed;
      benchmark::DoNotOptimize(d);
      if (++i == q.size()) i = 0;
    }
  } else {
    for (auto _ : state) {
      bool d = w.baseline.Decide(q.Subject(i), w.purpose_ids[q.purposes[i]]);
      allowed += d;
      benchmark::DoNotOptimize(d);
      if (++i == q.size()) i = 0;
    }
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    // Counters are summed over threads; report them from one only.
    const bool optin = side == Side::kOptin;
    state.counters["subjects"] = static_cast<double>(c.subjects);
    state.counters["bytes_per_subject"] = optin ? w.index_bytes_per_subject : w.baseline_bytes_per_subject;
    state.counters["fill_s"] = optin ? w.index_fill_s : w.baseline_fill_s;
  }
}

void Register(const char* name, Case c) {
  for (Side side : {Side::kOptin, Side::kBaseline}) {
    std::string full = std::string("Decide/") + (side == Side::kOptin ? "optin/" : "baseline/") + name;
    benchmark::RegisterBenchmark(full.c_str(), BM_Decide, side, c)->UseRealTime()->Threads(1)->Threads(2);
  }
}

// A pointer chase over `bytes` of memory in one random cycle (Sattolo), so
// every load depends on the one before and the prefetchers cannot help.
void BM_DependentLoad(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0)) / sizeof(uint64_t);
  std::vector<uint64_t> next(n);
  std::iota(next.begin(), next.end(), uint64_t{0});
  Rng rng{kSeed};
  for (size_t i = n - 1; i > 0; --i) std::swap(next[i], next[rng.Below(i)]);
  uint64_t p = 0;
  for (auto _ : state) {
    p = next[p];
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::to_string(state.range(0) >> 20) + " MiB");
}

bool LargeEnabled() {
  const char* v = std::getenv("OPTIN_BENCH_LARGE");
  return v == nullptr || std::string_view(v) != "0";
}

}  // namespace
}  // namespace optin

int main(int argc, char** argv) {
  using optin::Case;
  using optin::kMillion;
  optin::Register("resident_1M", Case{kMillion, true});
  optin::Register("random_1M", Case{kMillion, false});
  if (optin::LargeEnabled()) {
    optin::Register("random_10M", Case{10 * kMillion, false});
  } else {
    std::fprintf(stderr, "decide_bench: skipping random_10M (OPTIN_BENCH_LARGE=0)\n");
  }
  benchmark::RegisterBenchmark("Memory/dependent_load", optin::BM_DependentLoad)
      ->Arg(int64_t{1} << 20)
      ->Arg(int64_t{1} << 30);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
