// key create | list | revoke.
#include <iostream>

#include "src/cli/cli.h"
#include "src/common/json_writer.h"
#include "src/common/time.h"

namespace optin::cli {
namespace {

// `check`, `write`, `admin` or `recipient:ID`.
std::string KeyScope(const ApiKeyInfo& k) {
  return k.scope == Scope::kRecipient ? "recipient:" + k.recipient : std::string(ScopeName(k.scope));
}

}  // namespace

CommandResult RunKeyCreate(const Globals& g, const std::string& scope_name, const std::string& name) {
  std::optional<Scope> scope = ParseScope(scope_name);
  const bool recipient = scope_name.starts_with("recipient:");
  if (!scope && !recipient) {
    return InvalidArgumentError("unknown scope `" + scope_name + "` (expected check, write, admin or recipient:ID)");
  }
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::string key, recipient ? engine->CreateRecipientKey(scope_name.substr(10), name)
                                                    : engine->CreateApiKey(*scope, name));
  // The key alone on stdout, so that scripts can capture it; it is shown
  // this once and stored only as a hash.
  std::cout << key << std::endl;
  std::cerr << "optin: created a key with scope `" << scope_name << "`; store it now: it cannot be shown again\n";
  return kExitOk;
}

CommandResult RunKeyList(const Globals& g, bool json) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  auto keys = engine->ListApiKeys();
  OPTIN_RETURN_IF_ERROR(keys);
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("keys").BeginArray();
    for (const auto& k : *keys) {
      w.BeginObject().Key("name").String(k.name).Key("scope").String(KeyScope(k));
      w.Key("created").String(FormatRfc3339(k.created)).EndObject();
    }
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return kExitOk;
  }
  if (keys->empty()) std::cout << "no API keys\n";
  for (const auto& k : *keys) {
    std::cout << k.name << "  " << KeyScope(k) << "  created " << FormatRfc3339(k.created) << "\n";
  }
  return kExitOk;
}

CommandResult RunKeyRevoke(const Globals& g, const std::string& name) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_RETURN_IF_ERROR(engine->RevokeApiKey(name));
  std::cout << "revoked " << name << "\n";
  return kExitOk;
}

}  // namespace optin::cli
