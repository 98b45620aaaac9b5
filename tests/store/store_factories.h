// File: tests/store/store_factories.h
//
// Every kind of store, for tests that hold each to the same contract:
// memory, SQLite in a temporary directory, and PostgreSQL on a server the
// test starts on 127.0.0.1 (one per test binary, a new database per test).
#ifndef OPTIN_TESTS_STORE_STORE_FACTORIES_H_
#define OPTIN_TESTS_STORE_STORE_FACTORIES_H_

#include <gmock/gmock.h>

#include <functional>
#include <memory>
#include <string>

#include "optin/store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace optin::testing {

inline PostgresServer& Postgres() {
  static PostgresServer server;  // stopped and removed at exit
  return server;
}

// A store, and a way to open a second handle on it (empty for memory).
struct Opened {
  std::unique_ptr<Store> store;
  std::function<std::unique_ptr<Store>()> again;
};

struct Factory {
  std::string name;
  std::function<Opened(const TempDir&)> open;
};

inline std::unique_ptr<Store> OpenOrNull(const std::string& location, StoreOpenMode mode) {
  auto s = OpenStore(location, mode);
  EXPECT_THAT(s, IsOk());
  return s.ok() ? std::move(s).value() : nullptr;
}

// The three stores, PostgreSQL's databases named `PREFIX_N`.
inline auto EveryStore(std::string prefix) {
  return ::testing::Values(
      Factory{"memory", [](const TempDir&) { return Opened{NewMemoryStore(), nullptr}; }},
      Factory{"sqlite",
              [](const TempDir& dir) {
                const std::string path = dir.File("optin.db");
                return Opened{OpenOrNull(path, StoreOpenMode::kCreate),
                              [path] { return OpenOrNull(path, StoreOpenMode::kExisting); }};
              }},
      Factory{"postgres", [prefix](const TempDir&) {
                static int n = 0;
                if (!Postgres().error().empty()) {
                  ADD_FAILURE() << Postgres().error();
                  return Opened{};
                }
                const std::string url = Postgres().NewDatabase(prefix + "_" + std::to_string(++n));
                return Opened{OpenOrNull(url, StoreOpenMode::kCreate),
                              [url] { return OpenOrNull(url, StoreOpenMode::kExisting); }};
              }});
}

}  // namespace optin::testing

#endif  // OPTIN_TESTS_STORE_STORE_FACTORIES_H_
