#include "tests/support/test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <csignal>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace optin::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "optin-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (!made) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& contents) const {
  std::string p = File(name);
  std::ofstream(p, std::ios::binary) << contents;
  return p;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunOptin(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv = {OPTIN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, options);
}

CommandResult RunCommand(const std::vector<std::string>& command, const RunOptions& options) {
  TempDir io;
  std::string out_path = io.File("stdout"), err_path = io.File("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Stdin comes from a file rather than a pipe, so that a large input cannot
  // deadlock against a child that has not started reading.
  std::string in_path = "/dev/null";
  if (options.stdin_data) in_path = io.Write("stdin", *options.stdin_data);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_s = command;
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).starts_with("OPTIN_DB=")) continue;  // tests say --db explicitly
    env_s.emplace_back(*e);
  }
  env_s.insert(env_s.end(), options.env.begin(), options.env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  CommandResult r;
  // The child inherits the limit and the ignored SIGXFSZ; the parent restores
  // its own limit at once (tests are single-threaded here).
  struct rlimit saved;
  getrlimit(RLIMIT_FSIZE, &saved);
  if (options.max_file_bytes > 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = saved;
    limited.rlim_cur = static_cast<rlim_t>(options.max_file_bytes);
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  int spawned = posix_spawnp(&pid, argv_s[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  if (options.max_file_bytes > 0) setrlimit(RLIMIT_FSIZE, &saved);
  if (spawned != 0) return r;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

}  // namespace optin::testing
