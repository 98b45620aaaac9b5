#include "optin/status.h"

#include <array>

namespace optin {
namespace {

// The one table of how each code appears at the front ends. DO NOT CHANGE the
// api_code strings: clients match on them.
constexpr std::array<StatusCodeInfo, 11> kCodeTable = {{
    {"ok", 200, 0},
    {"invalid_argument", 400, 2},
    {"not_found", 404, 3},
    {"failed_precondition", 409, 3},
    {"already_exists", 409, 3},
    {"permission_denied", 403, 3},
    {"unauthenticated", 401, 3},
    {"resource_exhausted", 507, 3},
    {"unavailable", 503, 3},
    {"data_loss", 500, 3},
    {"internal", 500, 3},
}};

}  // namespace

const StatusCodeInfo& InfoFor(StatusCode code) { return kCodeTable[static_cast<size_t>(code)]; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(InfoFor(code_).api_code) + ": " + message_;
}

Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace optin
