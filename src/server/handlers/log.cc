// The verifiable log, public so that anyone can monitor it (RFC 9162 §8):
// the signed head, the keys and proofs.
#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/request.h"

namespace optin::server {

HttpResponse LogHead(Services& s, const Call&) {
  Result<SignedTreeHead> head = s.engine.LogHead();
  if (!head.ok()) return ErrorResponse(head.status());
  return Json(TreeHeadToJson(*head));
}

HttpResponse LogKeys(Services& s, const Call&) {
  Result<std::vector<LogPublicKey>> keys = s.engine.LogKeys();
  if (!keys.ok()) return ErrorResponse(keys.status());
  return Json(LogKeysJson(*keys));
}

HttpResponse InclusionProofOf(Services& s, const Call& call) {
  Result<uint64_t> seq = QueryNumber(call.request.query, "seq", true);
  if (!seq.ok()) return ErrorResponse(seq.status());
  Result<uint64_t> size = QueryNumber(call.request.query, "tree_size", false);
  if (!size.ok()) return ErrorResponse(size.status());
  Result<InclusionProof> proof = s.engine.ProveInclusion(*seq, *size);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return Json(InclusionProofToJson(*proof));
}

HttpResponse ConsistencyProofOf(Services& s, const Call& call) {
  Result<uint64_t> from = QueryNumber(call.request.query, "from", true);
  if (!from.ok()) return ErrorResponse(from.status());
  Result<uint64_t> to = QueryNumber(call.request.query, "to", true);
  if (!to.ok()) return ErrorResponse(to.status());
  Result<ConsistencyProof> proof = s.engine.ProveConsistency(*from, *to);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return Json(ConsistencyProofToJson(*proof));
}

}  // namespace optin::server
