#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>

#include "src/cli/cli.h"

namespace optin::cli {

int Fail(const Status& status) {
  std::cerr << "optin: " << status.message() << "\n";
  return InfoFor(status.code()).exit_code;
}

int Exit(const CommandResult& result) { return result.ok() ? *result : Fail(result.status()); }

Result<std::unique_ptr<Engine>> OpenEngine(const Globals& g) {
  EngineOptions options;
  options.store = g.db;
  options.mode = StoreOpenMode::kExisting;
  return Engine::Open(std::move(options));
}

Status ReadTextFile(const std::string& path, std::string& out) {
  constexpr std::streamsize kMaxBytes = 16 * 1024 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read `" + path + "`");
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (static_cast<std::streamsize>(out.size()) > kMaxBytes) {
    return ResourceExhaustedError("`" + path + "` is larger than 16 MiB");
  }
  return OkStatus();
}

std::string CliActor() {
  const char* user = std::getenv("USER");
  if (user && *user) return std::string("cli:") + user;
  return "cli:uid" + std::to_string(getuid());
}

}  // namespace optin::cli
