// File: src/store/postgres/pg_connection.h
//
// One libpq connection as the PostgreSQL store uses it: prepared statements
// with binary results, reconnect with backoff, and libpq's errors turned
// into a Status (the SQLSTATE as its reason) in one line. The pool, the
// leases and the SQL stay in postgres_store.cc.
//
// Thread-safety: a Connection is used by one thread at a time.
#ifndef OPTIN_STORE_POSTGRES_PG_CONNECTION_H_
#define OPTIN_STORE_POSTGRES_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "optin/status.h"

namespace optin::pg {

// A query parameter: text, or binary for BYTEA.
struct Param {
  std::string value;
  bool binary = false;
};
inline Param Text(std::string_view v) { return {std::string(v), false}; }
inline Param Int(int64_t v) { return {std::to_string(v), false}; }
inline Param Bytes(std::string_view v) { return {std::string(v), true}; }

// Owns a PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  ~PgResult() {
    if (r_) PQclear(r_);
  }
  int rows() const { return PQntuples(r_); }
  ExecStatusType status() const { return r_ ? PQresultStatus(r_) : PGRES_FATAL_ERROR; }
  std::string error() const { return r_ ? PQresultErrorMessage(r_) : "out of memory"; }
  std::string sqlstate() const {
    const char* s = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
  }
  // Results come in binary: BYTEA and TEXT as their bytes, BIGINT big-endian.
  std::string_view Bytes(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
  }
  bool IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  int64_t Int(int row, int col) const {
    uint64_t v = 0;
    for (char c : Bytes(row, col)) v = v << 8 | static_cast<uint8_t>(c);
    return static_cast<int64_t>(v);
  }

 private:
  PGresult* r_;
};

struct Connection {
  PGconn* pg = nullptr;
  std::map<std::string, std::string> prepared;  // SQL -> statement name
  bool in_transaction = false;                   // between a BEGIN and its COMMIT or ROLLBACK
};

// Where a connection goes: the libpq URL, and how errors name the database
// (never with its password).
struct Target {
  const std::string& url;
  const std::string& described;
};

// libpq's messages span lines (`FATAL: …\n\tIs the server running…`): one
// line, for logs and JSON error bodies.
std::string OneLine(std::string_view text);
// `url` with its password, if any, shown as `***`: what messages name.
std::string WithoutPassword(const std::string& url);
// Opens a connection whose notices (a server shutting down says so) go to
// stderr in optin's form instead of libpq's bare text.
PGconn* ConnectQuietly(const std::string& url);
// Connects `c`, or reconnects it after a dropped connection, with backoff.
// kUnavailable naming the database when it cannot be reached.
Status Connect(Connection& c, const Target& to);
// Runs `sql` as a prepared statement on `c` (prepared once per session),
// results in binary. kUnavailable with the SQLSTATE as reason (class 53,
// insufficient resources: kResourceExhausted); a lost connection says so.
Result<PgResult> ExecPrepared(Connection& c, const Target& to, const std::string& sql,
                              const std::vector<Param>& params);
// Several statements, no parameters.
Status ExecScript(Connection& c, const Target& to, const char* sql);

// A statement run on the connection the store leased to the caller: how
// the files beside the store (deliveries, usage, the schema's migrations)
// reach the database.
using ExecFn = std::function<Result<PgResult>(const std::string& sql, const std::vector<Param>& params)>;
// `body` in a transaction of its own: committed when it succeeds, rolled
// back otherwise.
Status InTransaction(const ExecFn& exec, const std::function<Status()>& body);

}  // namespace optin::pg

#endif  // OPTIN_STORE_POSTGRES_PG_CONNECTION_H_
