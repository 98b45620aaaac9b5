#include "src/store/postgres/pg_connection.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace optin::pg {
namespace {

constexpr int kConnectAttempts = 3;  // 20, 40, 80 ms apart: a request never waits long

}  // namespace

std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

PGconn* ConnectQuietly(const std::string& url) {
  PGconn* pg = PQconnectdb(url.c_str());
  if (pg) {
    PQsetNoticeProcessor(
        pg,
        [](void*, const char* message) {
          std::fprintf(stderr, "optin: PostgreSQL says: %s\n", OneLine(message).c_str());
        },
        nullptr);
  }
  return pg;
}

Status Connect(Connection& c, const Target& to) {
  for (int attempt = 0; attempt < kConnectAttempts; ++attempt) {
    if (c.pg && PQstatus(c.pg) == CONNECTION_OK) return OkStatus();
    if (c.pg) {
      PQreset(c.pg);
    } else {
      c.pg = ConnectQuietly(to.url);
    }
    c.prepared.clear();  // a new session has none
    if (PQstatus(c.pg) == CONNECTION_OK) return OkStatus();
    if (attempt + 1 < kConnectAttempts) std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
  }
  const std::string why = OneLine(c.pg ? PQerrorMessage(c.pg) : "out of memory");
  return UnavailableError("cannot reach " + to.described + ": " + why);
}

Result<PgResult> ExecPrepared(Connection& c, const Target& to, const std::string& sql,
                              const std::vector<Param>& params) {
  OPTIN_RETURN_IF_ERROR(Connect(c, to));
  PGconn* conn = c.pg;
  auto prepared = c.prepared.find(sql);
  if (prepared == c.prepared.end()) {
    const std::string name = "optin_" + std::to_string(c.prepared.size());
    PgResult p(PQprepare(conn, name.c_str(), sql.c_str(), static_cast<int>(params.size()), nullptr));
    if (p.status() != PGRES_COMMAND_OK) {
      const std::string message = OneLine(p.error());
      if (PQstatus(conn) != CONNECTION_OK) return UnavailableError("lost the connection to " + to.described + ": " + message);
      return Status(StatusCode::kUnavailable, "PostgreSQL (" + p.sqlstate() + "): " + message, p.sqlstate());
    }
    prepared = c.prepared.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  PgResult r(PQexecPrepared(conn, prepared->second.c_str(), static_cast<int>(params.size()), values.data(),
                            lengths.data(), formats.data(), 1));
  const ExecStatusType status = r.status();
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  const std::string message = OneLine(r.error());
  if (PQstatus(conn) != CONNECTION_OK) {
    // Reconnected on the next call; what was in flight is not acknowledged.
    return UnavailableError("lost the connection to " + to.described + ": " + message);
  }
  const std::string sqlstate = r.sqlstate();
  const StatusCode code = sqlstate.starts_with("53") ? StatusCode::kResourceExhausted : StatusCode::kUnavailable;
  return Status(code, "PostgreSQL (" + sqlstate + "): " + message, sqlstate);
}

Status ExecScript(Connection& c, const Target& to, const char* sql) {
  OPTIN_RETURN_IF_ERROR(Connect(c, to));
  PgResult r(PQexec(c.pg, sql));
  if (r.status() == PGRES_COMMAND_OK || r.status() == PGRES_TUPLES_OK) return OkStatus();
  return UnavailableError("PostgreSQL (" + r.sqlstate() + "): " + OneLine(r.error()));
}

Status InTransaction(const ExecFn& exec, const std::function<Status()>& body) {
  OPTIN_RETURN_IF_ERROR(exec("BEGIN", {}).status());
  Status s = body();
  if (s.ok()) s = exec("COMMIT", {}).status();
  if (!s.ok()) (void)exec("ROLLBACK", {});
  return s;
}

std::string WithoutPassword(const std::string& url) {
  std::string shown = url;
  if (size_t at = shown.find('@'); at != std::string::npos) {
    if (size_t colon = shown.find(':', shown.find("//") + 2); colon != std::string::npos && colon < at) {
      shown = shown.substr(0, colon) + ":***" + shown.substr(at);
    }
  }
  return shown;
}

}  // namespace optin::pg
