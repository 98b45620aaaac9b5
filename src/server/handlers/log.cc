// The verifiable log, public so that anyone can monitor it (RFC 9162 §8):
// the signed head, the keys and proofs.
#include <charconv>

#include "src/engine/wire_json.h"
#include "src/server/handlers/handlers.h"
#include "src/server/request.h"

namespace optin::server {
namespace {

// Event numbers and tree sizes in the query: whole numbers from 1, each
// given once; 0 when absent and not `required`.
Result<uint64_t> Number(const HttpRequest& request, std::string_view name, bool required) {
  const size_t given = QueryCount(request.query, name);
  if (given == 0 && !required) return uint64_t{0};
  if (given > 1) return InvalidArgumentError("the query gives `" + std::string(name) + "` more than once");
  const std::string text = QueryParam(request.query, name);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0) {
    return InvalidArgumentError("the query needs `" + std::string(name) + "`, a whole number from 1");
  }
  return v;
}

}  // namespace

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
  Result<uint64_t> seq = Number(call.request, "seq", true);
  if (!seq.ok()) return ErrorResponse(seq.status());
  Result<uint64_t> size = Number(call.request, "tree_size", false);
  if (!size.ok()) return ErrorResponse(size.status());
  Result<InclusionProof> proof = s.engine.ProveInclusion(*seq, *size);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return Json(InclusionProofToJson(*proof));
}

HttpResponse ConsistencyProofOf(Services& s, const Call& call) {
  Result<uint64_t> from = Number(call.request, "from", true);
  if (!from.ok()) return ErrorResponse(from.status());
  Result<uint64_t> to = Number(call.request, "to", true);
  if (!to.ok()) return ErrorResponse(to.status());
  Result<ConsistencyProof> proof = s.engine.ProveConsistency(*from, *to);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return Json(ConsistencyProofToJson(*proof));
}

}  // namespace optin::server
