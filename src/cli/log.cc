// log head | prove | key: the verifiable log (docs/log_format.md). Each
// prints the same JSON as the HTTP API's /v1/log/… endpoints.
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
    const LogPublicKey* signing = SigningLogKey(keys);
    if (!signing) return DataLossError("the store has no log key in use");
    std::cout << Ed25519PublicKeyPem(signing->public_key);
    return kExitOk;
  }
  std::cout << LogKeysJson(keys) << "\n";
  return kExitOk;
}

CommandResult RunAudit(const Globals& g, const std::string& first_file, const std::string& second_file) {
  OPTIN_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, OpenEngine(g));
  const std::string files[] = {first_file, second_file};
  std::vector<SignedTreeHead> heads;
  for (const std::string& file : files) {
    std::string text;
    OPTIN_RETURN_IF_ERROR(ReadTextFile(file, text));
    Result<SignedTreeHead> head = TreeHeadFromJson(text);
    if (!head.ok()) return InvalidArgumentError(file + ": " + head.status().message());
    heads.push_back(std::move(*head));
  }
  OPTIN_ASSIGN_OR_RETURN(HeadAudit audit, engine->AuditHeads(heads[0], heads[1]));
  if (audit.bad_head >= 0) {
    std::cout << files[audit.bad_head] << ": " << audit.problem << "\n";
    return kExitNo;
  }
  if (!audit.consistent) {
    std::cout << "NOT consistent: " << audit.problem << "\n";
    return kExitNo;
  }
  std::cout << "consistent: the log only grew, from " << audit.from << " to " << audit.to << " events"
            << (audit.from == 0 ? " (every log extends the empty one)" : "") << "; both heads are signed by this log\n";
  return kExitOk;
}

}  // namespace optin::cli
