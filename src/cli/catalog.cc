#include <filesystem>
#include <iostream>

#include "optin/catalog.h"
#include "src/cli/cli.h"
#include "src/catalog/locale.h"
#include "src/cli/output.h"
#include "src/common/time.h"
#include "src/engine/wire_json.h"

namespace optin::cli {
namespace {

std::string Joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

CommandResult RunCatalogLint(const std::string& file) {
  // A file that cannot be read is an error like any other (exit 3); a file
  // that reads but is not a valid catalog is lint's "no" answer (exit 1).
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    return NotFoundError("`" + file + "` is a directory; name a catalog file");
  }
  Result<Catalog> catalog = ParseCatalogFile(file);
  if (!catalog.ok()) {
    // A file that cannot be read is an error like any other; a file that
    // reads but is not a valid catalog is lint's "no" answer.
    if (catalog.status().code() == StatusCode::kNotFound) return catalog.status();
    std::cerr << catalog.status().message() << "\n";
    return kExitNo;
  }
  std::cout << file << ": ok (" << catalog->purposes.size() << " purposes, " << catalog->data_categories.size()
            << " data categories, locales " << Joined(catalog->locales) << ")\n";
  return kExitOk;
}

CommandResult RunCatalogPublish(const Globals& g, const std::string& file, const std::vector<std::string>& editorial) {
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalogFile(file));
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  WriteContext context{.channel = "cli", .actor = CliActor(), .evidence = ""};
  Result<PublishResult> r = engine->Publish(catalog, editorial, context);
  // A change that is material whatever the publisher says is publish's "no".
  if (!r.ok() && r.status().reason() == "material_change") {
    Fail(r.status());
    std::cerr << "optin: publish again without `--editorial` for the purposes named above\n";
    return kExitNo;
  }
  OPTIN_RETURN_IF_ERROR(r);
  std::cout << "published " << file << " as event " << r->seq << "\n";
  if (!r->added.empty()) std::cout << "  added:     " << Joined(r->added) << "\n";
  if (!r->changed.empty()) {
    std::cout << "  changed:   " << Joined(r->changed) << " (material: earlier consents lapse until given again)\n";
  }
  if (!r->editorial.empty()) {
    std::cout << "  editorial: " << Joined(r->editorial) << " (existing consents carried over to the new version)\n";
  }
  if (!r->unchanged.empty()) std::cout << "  unchanged: " << Joined(r->unchanged) << "\n";
  if (!r->removed.empty()) {
    std::cout << "  removed:   " << Joined(r->removed) << " (decisions now unknown_purpose; history kept)\n";
  }
  for (const std::string& note : r->notes) std::cout << "  - " << note << "\n";
  PrintTextChanges(std::cout, r->texts);
  return kExitOk;
}

CommandResult RunCatalogHistory(const Globals& g, bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::vector<PublicationRecord> pubs, engine->Publications());
  if (json) {
    std::cout << PublicationsJson(pubs) << "\n";
    return kExitOk;
  }
  for (const PublicationRecord& p : pubs) {
    std::cout << "event " << p.seq << "  " << FormatRfc3339(p.time) << "  " << p.actor << "\n";
    if (!p.added.empty()) std::cout << "  added:     " << Joined(p.added) << "\n";
    if (!p.changed.empty()) std::cout << "  changed:   " << Joined(p.changed) << "\n";
    if (!p.editorial.empty()) std::cout << "  editorial: " << Joined(p.editorial) << "\n";
    if (!p.removed.empty()) std::cout << "  removed:   " << Joined(p.removed) << "\n";
    PrintTextChanges(std::cout, p.texts);
  }
  return kExitOk;
}

CommandResult RunCatalogShow(const Globals& g, bool json, const std::string& locale) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  auto catalog = engine->catalog();
  if (!catalog) return FailedPreconditionError("no catalog has been published yet; run `optin catalog publish FILE`");
  // `ja-JP` shows `ja`, as the API answers it.
  std::string loc = locale.empty() ? catalog->locales.front() : MatchLocale(*catalog, locale);
  if (loc.empty()) {
    return InvalidArgumentError("the catalog has no locale `" + locale + "` (it has " + Joined(catalog->locales) + ")");
  }
  if (json) {
    std::cout << CatalogJson(*catalog, loc) << "\n";
    return kExitOk;
  }
  PrintCatalog(std::cout, *catalog, loc);
  return kExitOk;
}

}  // namespace optin::cli
