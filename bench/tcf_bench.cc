// TC string decode and encode throughput (DESIGN §10), on the string in
// $OPTIN_TC_STRING (bench/tcf_bench.sh makes a realistic one: hundreds of
// vendors, a bitfield and a range section, publisher restrictions).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "optin/signals.h"

namespace {

std::string TcUnderTest() {
  const char* s = std::getenv("OPTIN_TC_STRING");
  return s && *s ? s : "CQudpMAQudpMAAbAAAENCWFgAPIAAAAAACiQCWQAYAAgJYBecAMAAQABwF5gAhIAMABwAJA";
}

void BM_TcfDecode(benchmark::State& state) {
  const std::string tc = TcUnderTest();
  for (auto _ : state) {
    auto d = optin::DecodeTcString(tc);
    if (!d.ok()) state.SkipWithError(d.status().message().c_str());
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::to_string(tc.size()) + " chars");
}
BENCHMARK(BM_TcfDecode);

void BM_TcfEncode(benchmark::State& state) {
  auto d = optin::DecodeTcString(TcUnderTest());
  if (!d.ok()) {
    state.SkipWithError(d.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto s = optin::EncodeTcString(d->tc);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TcfEncode);

}  // namespace

BENCHMARK_MAIN();
