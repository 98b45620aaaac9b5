// The verifiable log and receipts (issue: "proof the customer can check"):
// inclusion and consistency proof generation in logs of 1M and 10M events
// (which should grow as log n), receipts issued per second, receipts verified
// per second.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>

#include "optin/engine.h"
#include "optin/proof.h"
#include "src/common/crypto.h"
#include "src/proof/merkle.h"

namespace {

// One tree per size, built once: leaf i is the hash of "event i".
const optin::internal::MerkleTree& TreeOf(uint64_t n) {
  static std::map<uint64_t, std::unique_ptr<optin::internal::MerkleTree>> trees;
  auto& t = trees[n];
  if (!t) {
    (void)optin::InitCrypto();
    t = std::make_unique<optin::internal::MerkleTree>();
    for (uint64_t i = 0; i < n; ++i) t->Append(optin::LeafHash("event " + std::to_string(i)));
  }
  return *t;
}

void BM_InclusionProof(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const auto& tree = TreeOf(n);
  uint64_t i = 0, hashes = 0;
  for (auto _ : state) {
    i = (i * 6364136223846793005ULL + 1442695040888963407ULL) % n;  // a pseudo-random leaf
    auto path = tree.InclusionPath(i, n);
    hashes += path->size();
    benchmark::DoNotOptimize(path);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["path_len"] = static_cast<double>(hashes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_InclusionProof)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProof(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const auto& tree = TreeOf(n);
  uint64_t m = 1;
  for (auto _ : state) {
    m = (m * 6364136223846793005ULL + 1442695040888963407ULL) % n + 1;
    auto path = tree.ConsistencyPath(m, n);
    benchmark::DoNotOptimize(path);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ConsistencyProof)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

// An engine on a memory store with a published catalog and `subjects`
// customers who each granted one purpose.
struct Fixture {
  std::unique_ptr<optin::Engine> engine;
  explicit Fixture(int subjects) {
    auto e = optin::Engine::Open(optin::NewMemoryStore(), {});
    engine = std::move(*e);
    auto catalog = optin::ParseCatalogFile(std::string(OPTIN_SOURCE_DIR) + "/tests/testdata/catalogs/shop.yaml");
    optin::WriteContext ctx{.channel = "api", .actor = "bench", .evidence = ""};
    (void)engine->Publish(*catalog, {}, ctx);
    for (int i = 0; i < subjects; ++i) {
      (void)engine->Grant("customer-" + std::to_string(i), std::vector<std::string>{"ads"}, ctx);
    }
  }
};

void BM_IssueReceipt(benchmark::State& state) {
  Fixture f(10'000);
  int i = 0;
  for (auto _ : state) {
    auto r = f.engine->Receipts("customer-" + std::to_string(i++ % 10'000));
    if (!r.ok() || r->size() != 1) state.SkipWithError("no receipt");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_IssueReceipt)->Unit(benchmark::kMicrosecond);

void BM_VerifyReceipt(benchmark::State& state) {
  Fixture f(1'000);
  const std::string receipt = f.engine->Receipts("customer-7")->front();
  const std::string key = f.engine->LogKeys()->back().public_key;
  for (auto _ : state) {
    auto v = optin::VerifyReceipt(receipt, key);
    if (!v.ok() || !v->ok) state.SkipWithError("does not verify");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_VerifyReceipt)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
