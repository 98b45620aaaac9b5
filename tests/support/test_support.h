// File: tests/support/test_support.h
//
// Shared test helpers: Status matchers, a temporary directory per test, and
// running the `optin` binary as a user would.
#ifndef OPTIN_TESTS_SUPPORT_TEST_SUPPORT_H_
#define OPTIN_TESTS_SUPPORT_TEST_SUPPORT_H_

#include <gmock/gmock.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "optin/status.h"

namespace optin::testing {

// EXPECT_THAT(status_or_result, StatusIs(StatusCode::kInvalidArgument, HasSubstr(":3:")))
MATCHER_P2(StatusIs, code, message_matcher, "") {
  const Status& s = [&]() -> const Status& {
    if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, Status>) return arg;
    else return arg.status();
  }();
  if (s.code() != code) {
    *result_listener << "status is " << s.ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

MATCHER(IsOk, "") {
  const Status& s = [&]() -> const Status& {
    if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, Status>) return arg;
    else return arg.status();
  }();
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

// A fresh directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  // Writes `contents` to `name` in this directory; returns its path.
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::vector<std::string> env;  // extra NAME=VALUE pairs
  // When > 0, the largest file the command may write (RLIMIT_FSIZE), with
  // SIGXFSZ ignored: writes past it fail as on a full disk.
  long max_file_bytes = 0;
  // When set, the command's stdin; otherwise stdin is /dev/null.
  std::optional<std::string> stdin_data;
};

// Runs the optin binary with `args` (no shell), stdin from /dev/null unless
// `options.stdin_data` says otherwise.
CommandResult RunOptin(const std::vector<std::string>& args, const RunOptions& options = {});
// Runs `command` (argv; the program is looked up in PATH) the same way.
CommandResult RunCommand(const std::vector<std::string>& command, const RunOptions& options = {});

std::string ReadFile(const std::string& path);

}  // namespace optin::testing

#endif  // OPTIN_TESTS_SUPPORT_TEST_SUPPORT_H_
