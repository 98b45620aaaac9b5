// key create | list | revoke.
#include <iostream>

#include "src/cli/cli.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"

namespace optin::cli {

int RunKeyCreate(const Globals& g, const std::string& scope_name, const std::string& name) {
  std::optional<Scope> scope = ParseScope(scope_name);
  if (!scope) return Fail(InvalidArgumentError("unknown scope `" + scope_name + "` (expected check, write or admin)"));
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  Result<std::string> key = (*engine)->CreateApiKey(*scope, name);
  if (!key.ok()) return Fail(key.status());
  // The key alone on stdout, so that scripts can capture it; it is shown
  // this once and stored only as a hash.
  std::cout << *key << std::endl;
  std::cerr << "optin: created a key with scope `" << scope_name << "`; store it now: it cannot be shown again\n";
  return kExitOk;
}

int RunKeyList(const Globals& g, bool json) {
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  auto keys = (*engine)->ListApiKeys();
  if (!keys.ok()) return Fail(keys.status());
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("keys").BeginArray();
    for (const auto& k : *keys) {
      w.BeginObject().Key("name").String(k.name).Key("scope").String(ScopeName(k.scope));
      w.Key("created").String(FormatRfc3339(k.created)).EndObject();
    }
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  if (keys->empty()) std::cout << "no API keys\n";
  for (const auto& k : *keys) {
    std::cout << k.name << "  " << ScopeName(k.scope) << "  created " << FormatRfc3339(k.created) << "\n";
  }
  return kExitOk;
}

int RunKeyRevoke(const Globals& g, const std::string& name) {
  Result<std::unique_ptr<Engine>> engine = OpenEngine(g);
  if (!engine.ok()) return Fail(engine.status());
  if (Status s = (*engine)->RevokeApiKey(name); !s.ok()) return Fail(s);
  std::cout << "revoked " << name << "\n";
  return kExitOk;
}

}  // namespace optin::cli
