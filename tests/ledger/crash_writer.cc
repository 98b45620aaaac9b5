// Test helper for crash_test: appends grants from several threads and prints
// each subject on stdout once its grant is acknowledged, until killed.
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "optin/engine.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: crash_writer STORE THREADS\n";
    return 2;
  }
  auto engine = optin::Engine::Open({.store = argv[1], .mode = optin::StoreOpenMode::kExisting, .clock = {}});
  if (!engine.ok()) {
    std::cerr << engine.status().ToString() << "\n";
    return 3;
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  const int n = std::stoi(argv[2]);
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      optin::WriteContext ctx{.channel = "import", .actor = "crash", .evidence = ""};
      for (int i = 0;; ++i) {
        std::string subject = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::vector<std::string> purposes = {i % 2 ? "ads" : "recommendations"};
        auto r = (*engine)->Grant(subject, purposes, ctx);
        if (!r.ok()) {
          std::cerr << r.status().ToString() << "\n";
          std::_Exit(3);
        }
        std::lock_guard lock(out_mu);
        std::printf("%s %s\n", subject.c_str(), purposes[0].c_str());
        std::fflush(stdout);
      }
    });
  }
  for (auto& t : threads) t.join();
}
