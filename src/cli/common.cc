#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "src/cli/cli.h"

namespace optin::cli {

int Fail(const Status& status) {
  std::cerr << "optin: " << status.message() << "\n";
  return InfoFor(status.code()).exit_code;
}

Result<std::unique_ptr<Engine>> OpenEngine(const Globals& g) {
  EngineOptions options;
  options.store = g.db;
  options.mode = StoreOpenMode::kExisting;
  return Engine::Open(std::move(options));
}

std::string CliActor() {
  const char* user = std::getenv("USER");
  if (user && *user) return std::string("cli:") + user;
  return "cli:uid" + std::to_string(getuid());
}

}  // namespace optin::cli
