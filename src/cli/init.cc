#include <iostream>

#include "optin/catalog.h"
#include "src/cli/cli.h"

namespace optin::cli {

int RunInit(const Globals& g, bool demo) {
  EngineOptions options;
  options.store = g.db;
  options.mode = StoreOpenMode::kCreate;
  Result<std::unique_ptr<Engine>> engine = Engine::Open(std::move(options));
  if (!engine.ok()) return Fail(engine.status());
  std::cout << "created optin store " << g.db << "\n";
  if (!demo) return kExitOk;
  Result<Catalog> catalog = ParseCatalog(DemoCatalogYaml(), "demo catalog");
  if (!catalog.ok()) return Fail(catalog.status());
  WriteContext context{.channel = "cli", .actor = CliActor(), .evidence = ""};
  Result<PublishResult> published = (*engine)->Publish(*catalog, {}, context);
  if (!published.ok()) return Fail(published.status());
  std::cout << "published the demo catalog (" << catalog->organization.name << ", " << catalog->purposes.size()
            << " purposes) as event " << published->seq << "\n";
  return kExitOk;
}

}  // namespace optin::cli
