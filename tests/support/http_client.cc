#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/test_support.h"

namespace optin::testing {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadUntil(int fd, int timeout_ms, const std::function<bool(const std::string&)>& done) {
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline && !(done && done(in))) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

HttpResult ReadResponse(int fd, int timeout_ms) {
  HttpResult r;
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t header_end = std::string::npos, need = std::string::npos;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::istringstream lines(in.substr(0, header_end));
        std::string line;
        std::getline(lines, line);
        if (line.size() >= 12) r.status = std::atoi(line.substr(9, 3).c_str());
        while (std::getline(lines, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          size_t colon = line.find(':');
          if (colon == std::string::npos) continue;
          std::string name = line.substr(0, colon);
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          r.headers[name] = value;
        }
        need = header_end + 4 + (r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0);
      }
    }
    if (need != std::string::npos && in.size() >= need) {
      r.body = in.substr(header_end + 4, need - header_end - 4);
      return r;
    }
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return HttpResult{};
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return HttpResult{};
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return header_end == std::string::npos ? HttpResult{} : r;
    in.append(buf, static_cast<size_t>(n));
  }
}

HttpResult Http(int port, const std::string& method, const std::string& target, const std::string& body,
                const std::vector<std::string>& headers) {
  int fd = Connect(port);
  if (fd < 0) return {};
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  HttpResult r;
  if (SendAll(fd, req)) r = ReadResponse(fd);
  close(fd);
  return r;
}

HttpResult Http(int port, const std::string& method, const std::string& target, const std::string& body,
                const std::string& bearer) {
  std::vector<std::string> headers;
  if (!bearer.empty()) headers.push_back("Authorization: Bearer " + bearer);
  return Http(port, method, target, body, headers);
}

ServerProcess::ServerProcess(const std::string& db, const std::vector<std::string>& extra) {
  char tmpl[] = "/tmp/optin-serve-XXXXXX";
  int out_fd = mkstemp(tmpl);
  std::string out_path = tmpl;
  err_path_ = out_path + ".err";
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out_fd, 1);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(err, 2);
    std::vector<std::string> args = {OPTIN_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(OPTIN_BINARY, argv.data());
    _exit(127);
  }
  close(out_fd);
  // The server prints `optin serving http://127.0.0.1:PORT ...` once bound.
  for (int i = 0; i < 500 && port_ == 0; ++i) {
    std::string out = ReadFile(out_path);
    size_t at = out.find("127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = std::atoi(out.c_str() + at + 10);
      break;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::remove(out_path.c_str());
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::Stderr() const { return ReadFile(err_path_); }

long ServerProcess::ResidentKb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  std::remove(err_path_.c_str());
}

}  // namespace optin::testing
