#include <iostream>

#include "optin/catalog.h"
#include "src/cli/cli.h"

namespace optin::cli {

CommandResult RunInit(const Globals& g, bool demo) {
  EngineOptions options;
  options.store = g.db;
  options.mode = StoreOpenMode::kCreate;
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Open(std::move(options)));
  std::cout << "created optin store " << g.db << "\n";
  if (!demo) return kExitOk;
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalog(DemoCatalogYaml(), "demo catalog"));
  WriteContext context{.channel = "cli", .actor = CliActor(), .evidence = ""};
  OPTIN_ASSIGN_OR_RETURN(PublishResult published, engine->Publish(catalog, {}, context));
  std::cout << "published the demo catalog (" << catalog.organization.name << ", " << catalog.purposes.size()
            << " purposes) as event " << published.seq << "\n";
  return kExitOk;
}

}  // namespace optin::cli
