// File: tests/support/postgres_server.h
//
// A real PostgreSQL 15 for tests: a fresh cluster made with initdb in a
// temporary directory, listening on 127.0.0.1 at a free port, stopped and
// removed when the object goes. As root, the server runs as the `postgres`
// user (PostgreSQL refuses to run as root).
//
// Thread-safety: one test thread.
#ifndef OPTIN_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define OPTIN_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <string>

#include "tests/support/test_support.h"

namespace optin::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Empty when the server runs; otherwise what went wrong.
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // Makes a new empty database and returns its URL.
  std::string NewDatabase(const std::string& name);
  // Stops the server (fast shutdown) and starts it again on the same port.
  bool Stop();
  bool Start();
  // Stops the server at once (`pg_ctl stop -m immediate`), as a crash
  // would: no checkpoint, every client cut off wherever it was, even in the
  // middle of a COMMIT. Start recovers from the write-ahead log.
  bool Kill();
  // Runs `sql` with psql on the database at `url`, stopping at the first
  // error; rows come unaligned, one a line, columns split by `|`.
  CommandResult Psql(const std::string& url, const std::string& sql) const;

 private:
  bool Run(const std::string& command);

  std::string dir_, bin_, error_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace optin::testing

#endif  // OPTIN_TESTS_SUPPORT_POSTGRES_SERVER_H_
