// log head | prove | key: the verifiable log (docs/log_format.md). Each
// prints the same JSON as the HTTP API's /v1/log/… endpoints.
#include <algorithm>
#include <iostream>

#include "src/cli/cli.h"
#include "src/engine/wire_json.h"

namespace optin::cli {

CommandResult RunLogHead(const Globals& g) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(SignedTreeHead head, engine->LogHead());
  std::cout << TreeHeadToJson(head) << "\n";
  return kExitOk;
}

CommandResult RunLogProve(const Globals& g, uint64_t seq, uint64_t tree_size, uint64_t from, uint64_t to) {
  if ((seq == 0) == (from == 0 && to == 0)) {
    return InvalidArgumentError("give an event (`log prove SEQ [--tree-size N]`) or two tree sizes "
                                "(`log prove --from A --to B`)");
  }
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  if (seq != 0) {
    Result<InclusionProof> proof = engine->ProveInclusion(seq, tree_size);
    OPTIN_RETURN_IF_ERROR(proof);
    std::cout << InclusionProofToJson(*proof) << "\n";
    return kExitOk;
  }
  OPTIN_ASSIGN_OR_RETURN(ConsistencyProof proof, engine->ProveConsistency(from, to == 0 ? engine->log_size() : to));
  std::cout << ConsistencyProofToJson(proof) << "\n";
  return kExitOk;
}

CommandResult RunLogKey(const Globals& g, bool pem, bool rotate) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  if (rotate) {
    OPTIN_ASSIGN_OR_RETURN(LogPublicKey key, engine->RotateLogKey());
  }
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogPublicKey> keys, engine->LogKeys());
  if (pem) {
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      if (it->retired == 0) {
        std::cout << Ed25519PublicKeyPem(it->public_key);
        return kExitOk;
      }
    }
    return DataLossError("the store has no log key in use");
  }
  std::cout << LogKeysJson(keys) << "\n";
  return kExitOk;
}

CommandResult RunAudit(const Globals& g, const std::string& first_file, const std::string& second_file) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  OPTIN_ASSIGN_OR_RETURN(std::vector<LogPublicKey> keys, engine->LogKeys());
  std::vector<SignedTreeHead> heads;
  for (const std::string& file : {first_file, second_file}) {
    std::string text;
    OPTIN_RETURN_IF_ERROR(ReadTextFile(file, text));
    Result<SignedTreeHead> head = TreeHeadFromJson(text);
    if (!head.ok()) return InvalidArgumentError(file + ": " + head.status().message());
    auto key = std::find_if(keys.begin(), keys.end(), [&](const LogPublicKey& k) { return k.key_id == head->key_id; });
    if (key == keys.end()) {
      std::cout << file << ": signed with key `" << head->key_id << "`, which is not one of this log's keys\n";
      return kExitNo;
    }
    if (Status s = VerifyTreeHead(*head, key->public_key); !s.ok()) {
      std::cout << file << ": " << s.message() << "\n";
      return kExitNo;
    }
    heads.push_back(std::move(*head));
  }
  if (heads[0].tree_size > heads[1].tree_size) std::swap(heads[0], heads[1]);
  if (heads[0].tree_size == 0) {
    // Every log extends the empty one: there is nothing to prove.
    if (heads[0].root_hash != EmptyTreeHash()) {
      std::cout << "NOT consistent: the head of size 0 has a root other than the empty tree's\n";
      return kExitNo;
    }
    std::cout << "consistent: the log only grew, from 0 to " << heads[1].tree_size
              << " events (every log extends the empty one); both heads are signed by this log\n";
    return kExitOk;
  }
  ConsistencyProof proof{heads[0].tree_size, heads[1].tree_size, {}};
  if (proof.first > 0 && proof.first < proof.second) {
    Result<ConsistencyProof> made = engine->ProveConsistency(proof.first, proof.second);
    if (!made.ok()) {
      std::cout << "the log cannot prove it grew from " << proof.first << " to " << proof.second
                << " events: " << made.status().message() << "\n";
      return kExitNo;
    }
    proof = *made;
  }
  if (Status s = VerifyConsistency(proof, heads[0].root_hash, heads[1].root_hash); !s.ok()) {
    std::cout << "NOT consistent: the log of " << proof.second << " events does not extend the one of " << proof.first
              << " events (" << s.message() << ")\n";
    return kExitNo;
  }
  std::cout << "consistent: the log only grew, from " << proof.first << " to " << proof.second
            << " events; both heads are signed by this log\n";
  return kExitOk;
}

}  // namespace optin::cli
