#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace optin::testing {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

bool PostgresServer::Run(const std::string& command) {
  // PostgreSQL will not run as root: as root, run it as `postgres`.
  const std::string full = geteuid() == 0 ? "runuser -u postgres -- " + command : command;
  if (std::system((full + " >>" + dir_ + "/commands.log 2>&1").c_str()) == 0) return true;
  error_ = "`" + command + "` failed; see " + dir_ + "/commands.log and " + dir_ + "/server.log";
  return false;
}

PostgresServer::PostgresServer() : bin_(kBinDir) {
  char pattern[] = "/tmp/optin-pg-XXXXXX";
  if (!mkdtemp(pattern)) {
    error_ = "cannot make a temporary directory";
    return;
  }
  dir_ = pattern;
  std::filesystem::permissions(dir_, std::filesystem::perms::all);
  if (!Run(bin_ + "/initdb -D " + dir_ + "/data -U optin -A trust --no-sync -E UTF8")) return;
  port_ = FreePort();
  Start();
}

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty() && std::getenv("OPTIN_KEEP_PG") == nullptr) std::filesystem::remove_all(dir_);
}

bool PostgresServer::Start() {
  if (running_) return true;
  running_ = Run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 30 -o \"-p " +
                 std::to_string(port_) + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ +
                 " -c max_connections=200\" start");
  return running_;
}

bool PostgresServer::Stop() {
  if (!running_) return true;
  running_ = !Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w -t 30 stop");
  return !running_;
}

bool PostgresServer::Kill() {
  if (!running_) return true;
  running_ = !Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w -t 30 stop");
  return !running_;
}

CommandResult PostgresServer::Psql(const std::string& url, const std::string& sql) const {
  RunOptions options;
  options.stdin_data = sql;
  return RunCommand({"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url}, options);
}

std::string PostgresServer::NewDatabase(const std::string& name) {
  const std::string server = "postgresql://optin@127.0.0.1:" + std::to_string(port_);
  std::system(("psql -q '" + server + "/postgres' -c 'CREATE DATABASE \"" + name + "\"' >/dev/null 2>&1").c_str());
  return server + "/" + name;
}

}  // namespace optin::testing
