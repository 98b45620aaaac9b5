// File: tests/support/http_client.h
//
// For server tests: the `optin serve` binary started on a free loopback port
// and a minimal blocking HTTP/1.1 client. Loopback only.
#ifndef OPTIN_TESTS_SUPPORT_HTTP_CLIENT_H_
#define OPTIN_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace optin::testing {

struct HttpResult {
  int status = 0;  // 0: no response (connection closed or failed)
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
};

// One request on a new connection (`Connection: close`).
HttpResult Http(int port, const std::string& method, const std::string& target, const std::string& body = "",
                const std::vector<std::string>& headers = {});
HttpResult Http(int port, const std::string& method, const std::string& target, const std::string& body,
                const std::string& bearer);

// Connects to 127.0.0.1:port; -1 on failure.
int Connect(int port);
// Writes all of `data`; false on failure.
bool SendAll(int fd, const std::string& data);
// Reads one response from `fd` (honouring Content-Length); status 0 when the
// peer closed first. Waits at most `timeout_ms`.
HttpResult ReadResponse(int fd, int timeout_ms = 10'000);
// Reads raw bytes from `fd` until `done` says so (never, when empty), the
// peer closes, or `timeout_ms` pass; returns all that was read.
std::string ReadUntil(int fd, int timeout_ms, const std::function<bool(const std::string&)>& done = {});

// `optin --db DB serve --listen 127.0.0.1:0 EXTRA...`, killed when destroyed.
class ServerProcess {
 public:
  ServerProcess(const std::string& db, const std::vector<std::string>& extra = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends SIGTERM and waits; returns the exit code (or 128 + signal).
  int Terminate();
  std::string Stderr() const;
  // Resident memory of the server process in KiB (VmRSS); -1 if unknown.
  long ResidentKb() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string err_path_;
};

}  // namespace optin::testing

#endif  // OPTIN_TESTS_SUPPORT_HTTP_CLIENT_H_
