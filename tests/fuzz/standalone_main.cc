// Runs a fuzz target without libFuzzer: over every file of a corpus
// directory, then over deterministic mutations of them (byte flips,
// truncations, splices), so the normal test suite replays the corpus and
// catches regressions. Real fuzzing: `make fuzz`.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  // A replay without its corpus would pass while testing nothing: a missing
  // or empty corpus, or a file that cannot be read, fails it.
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) files.push_back(e.path());
      if (files.empty()) {
        std::fprintf(stderr, "the corpus %s is empty\n", argv[i]);
        return 1;
      }
    } else if (std::filesystem::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "no corpus at %s\n", argv[i]);
      return 1;
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", f.c_str());
        return 1;
      }
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  corpus.emplace_back();
  for (const auto& input : corpus) Run(input);
  std::mt19937 rng(42);  // fixed: the same inputs on every run
  constexpr int kMutationsPerInput = 2000;
  size_t runs = corpus.size();
  for (const auto& seed : corpus) {
    for (int m = 0; m < kMutationsPerInput; ++m) {
      std::string s = seed;
      switch (rng() % 4) {
        case 0:
          if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng());
          break;
        case 1:
          if (!s.empty()) s.resize(rng() % s.size());
          break;
        case 2: {
          const std::string& other = corpus[rng() % corpus.size()];
          if (!other.empty()) s.insert(s.empty() ? 0 : rng() % s.size(), other.substr(rng() % other.size(), 16));
          break;
        }
        case 3:
          s.insert(s.empty() ? 0 : rng() % s.size(), 1, "[]{}:,-&*!|>'\"\n\t\\\xff"[rng() % 19]);
          break;
      }
      Run(s);
      ++runs;
    }
  }
  std::printf("%zu inputs ran without a crash\n", runs);
  return 0;
}
