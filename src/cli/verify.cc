#include <iostream>

#include "src/cli/cli.h"
#include "src/common/json_writer.h"

namespace optin::cli {

int RunVerify(const Globals& g, bool json) {
  Result<std::unique_ptr<Store>> store = OpenStore(g.db, StoreOpenMode::kExisting);
  if (!store.ok()) return Fail(store.status());
  Result<VerifyResult> r = VerifyStore(**store);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("intact").Bool(r->intact).Key("events").Uint(r->events).Key("head").String(r->head_hash);
    w.Key("signed_tree_size").Uint(r->signed_tree_size);
    if (!r->intact) w.Key("first_bad_seq").Uint(r->first_bad_seq).Key("problem").String(r->problem);
    w.EndObject();
    std::cout << w.str() << "\n";
  } else if (r->intact) {
    std::cout << "ledger intact: " << r->events << " events, head " << r->head_hash << "\n";
    if (r->signed_tree_size > 0) {
      std::cout << "log root matches the latest signed tree head (" << r->signed_tree_size << " events)\n";
    } else {
      std::cout << "no signed tree head yet (`optin log head` signs one)\n";
    }
  } else {
    std::cout << "ledger tampered: " << r->problem << "\n";
  }
  return r->intact ? kExitOk : kExitNo;
}

}  // namespace optin::cli
