// The consent stream filter's throughput (DESIGN §10: ≥ 1 GB/s per core):
// ~300-byte JSON records of 1M distinct subjects, of whom one in ten agreed
// to the purpose, filtered by optin::Enforcer in memory in drop and redact
// mode. With OPTIN_FILTER_DATA=DIR it also writes DIR/records.jsonl and
// DIR/allowed.json for bench/filter_bench.sh to time jq on the same job.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "optin/enforce.h"
#include "optin/engine.h"

namespace {

constexpr int kSubjects = 1'000'000;
constexpr int kRecords = 1'000'000;
constexpr int kAllowedEvery = 10;

struct Data {
  std::unique_ptr<optin::Engine> engine;
  std::string text;                       // the JSON Lines, then padding
  std::vector<std::string_view> records;  // each line of `text`, as `optin filter` reads them
  size_t bytes = 0;
};

Data& TheData() {
  static Data* data = [] {
    auto* d = new Data();
    // With OPTIN_FILTER_DATA the consents also go to DIR/optin.db, for
    // `optin filter` to be timed on the same state.
    const char* dir = std::getenv("OPTIN_FILTER_DATA");
    auto e = dir && *dir ? optin::Engine::Open({.store = std::string(dir) + "/optin.db",
                                                .mode = optin::StoreOpenMode::kCreate,
                                                .clock = {}})
                         : optin::Engine::Open(optin::NewMemoryStore(), {});
    if (!e.ok()) {
      std::fprintf(stderr, "filter_bench: %s\n", e.status().ToString().c_str());
      std::exit(1);
    }
    d->engine = std::move(*e);
    auto catalog = optin::ParseCatalogFile(std::string(OPTIN_SOURCE_DIR) + "/tests/testdata/catalogs/filter.yaml");
    optin::WriteContext ctx{.channel = "import", .actor = "bench", .evidence = ""};
    (void)d->engine->Publish(*catalog, {}, ctx);
    for (int s = 0; s < kSubjects; s += kAllowedEvery) {
      (void)d->engine->Grant("customer-" + std::to_string(s), std::vector<std::string>{"ads"}, ctx);
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> subject(0, kSubjects - 1), n(0, 99999);
    const char* cities[] = {"Tokyo", "Osaka", "Portland", "Bangor", "Lyon"};
    for (int i = 0; i < kRecords; ++i) {
      const int s = subject(rng);
      std::string r = "{\"subject\":\"customer-" + std::to_string(s) + "\",\"ts\":\"2026-11-29T10:" +
                      std::to_string(10 + i % 50) + ":00Z\",\"url\":\"https://shop.example/products/" +
                      std::to_string(n(rng)) + "?ref=campaign-" + std::to_string(n(rng)) +
                      "\",\"page\":{\"title\":\"Product " + std::to_string(n(rng)) +
                      " - Example Shop\",\"referrer\":\"https://search.example/?q=item+" + std::to_string(n(rng)) +
                      "\",\"lang\":\"en\"},\"geo\":{\"city\":\"" + cities[i % 5] +
                      "\",\"country\":\"JP\"},\"device\":\"mobile\",\"session\":\"" + std::to_string(n(rng)) +
                      std::to_string(n(rng)) + "\",\"items\":[" + std::to_string(n(rng)) + "," + std::to_string(n(rng)) +
                      "],\"value\":" + std::to_string(n(rng)) + "}";
      d->text += r;
      d->text += '\n';
    }
    d->bytes = d->text.size();
    d->text.append(optin::Enforcer::kRecordPadding, ' ');
    for (size_t at = 0; at < d->bytes;) {
      const size_t nl = d->text.find('\n', at);
      d->records.push_back(std::string_view(d->text).substr(at, nl - at));
      at = nl + 1;
    }
    if (dir && *dir) {
      std::ofstream records(std::string(dir) + "/records.jsonl"), allowed(std::string(dir) + "/allowed.json");
      records.write(d->text.data(), static_cast<std::streamsize>(d->bytes));
      allowed << '{';
      for (int s = 0; s < kSubjects; s += kAllowedEvery) allowed << (s ? "," : "") << "\"customer-" << s << "\":true";
      allowed << "}\n";
    }
    return d;
  }();
  return *data;
}

void BM_Filter(benchmark::State& state, optin::FilterMode mode) {
  Data& d = TheData();
  auto enforcer = optin::Enforcer::Create(*d.engine, {.purpose = "ads", .mode = mode});
  std::string out;
  out.reserve(1 << 16);
  size_t passed = 0;
  for (auto _ : state) {
    for (std::string_view r : d.records) {
      out.clear();
      const optin::RecordOutcome o = (*enforcer)->FilterPaddedJson(r, out);
      passed += o == optin::RecordOutcome::kKept || o == optin::RecordOutcome::kRedacted;
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.records.size()));
  state.counters["passed"] = static_cast<double>(passed) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_Filter, drop, optin::FilterMode::kDrop)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(BM_Filter, redact, optin::FilterMode::kRedact)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
