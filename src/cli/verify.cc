#include <iostream>

#include "src/cli/cli.h"
#include "src/common/json_writer.h"

namespace optin::cli {

CommandResult RunVerify(const Globals& g, bool json, const std::vector<std::string>& head_files) {
  std::vector<SignedTreeHead> heads;
  for (const std::string& file : head_files) {
    std::string text;
    OPTIN_RETURN_IF_ERROR(ReadTextFile(file, text));
    Result<SignedTreeHead> head = TreeHeadFromJson(text);
    if (!head.ok()) return InvalidArgumentError(file + ": " + head.status().message());
    heads.push_back(std::move(*head));
  }
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(g.db, StoreOpenMode::kExisting));
  OPTIN_ASSIGN_OR_RETURN(VerifyResult r, VerifyStore(*store, heads));
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("intact").Bool(r.intact).Key("events").Uint(r.events).Key("head").String(r.head_hash);
    w.Key("signed_tree_size").Uint(r.signed_tree_size).Key("external_heads").Uint(r.external_heads);
    if (!r.intact) w.Key("first_bad_seq").Uint(r.first_bad_seq).Key("problem").String(r.problem);
    w.EndObject();
    std::cout << w.str() << "\n";
    return r.intact ? kExitOk : kExitNo;
  }
  if (!r.intact) {
    std::cout << "ledger tampered: " << r.problem << "\n";
    return kExitNo;
  }
  // Say what was proven, and what could not be.
  std::cout << "hash chain consistent: " << r.events << " events, head " << r.head_hash << "\n";
  if (r.signed_tree_size > 0) {
    std::cout << "log root matches the latest signed tree head (" << r.signed_tree_size << " events)\n";
  }
  if (r.signed_tree_size == 0 && r.events > 0) {
    std::cout << "no signed tree head: a rewritten ledger (its hashes recomputed) cannot be detected; "
                 "`optin log head` signs one\n";
  } else if (r.signed_tree_size < r.events) {
    std::cout << "no signed tree head since event " << r.signed_tree_size << ": a rewritten tail (events "
              << r.signed_tree_size + 1 << "-" << r.events << ") cannot be detected; `optin log head` signs one\n";
  }
  if (r.external_heads > 0) {
    std::cout << "matches the " << r.external_heads << " tree head" << (r.external_heads == 1 ? "" : "s")
              << " you gave (up to " << r.external_tree_size << " events)\n";
  } else if (r.events > 0) {
    std::cout << "the store's heads are signed with the log key kept in the store: against someone who can also "
                 "write the store, check a head kept elsewhere with --head FILE\n";
  }
  return kExitOk;
}

}  // namespace optin::cli
