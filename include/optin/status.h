// File: optin/status.h
//
// Status and Result<T>: how every optin operation that can fail reports it.
// Modelled on absl::Status / absl::StatusOr, with a small code set. Each code
// maps to exactly one HTTP status, CLI exit code and stable API `code` string
// (see StatusCodeInfo in this header); callers never invent their own.
//
// Thread-safety: values; safe to copy and move between threads.
//
// Example:
//   Result<Catalog> catalog = ParseCatalogFile("catalog.yaml");
//   if (!catalog.ok()) return catalog.status();
//   OPTIN_ASSIGN_OR_RETURN(auto engine, Engine::Open(options));
#ifndef OPTIN_STATUS_H_
#define OPTIN_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace optin {

enum class StatusCode {
  kOk = 0,
  // The caller's input is malformed or out of range: a bad subject id, an
  // invalid catalog file, an unknown flag value. Retrying unchanged fails again.
  kInvalidArgument,
  // A named thing does not exist: an unknown purpose, a missing store.
  kNotFound,
  // The system is not in the state the operation needs: a stale notice
  // version, granting a necessary purpose, a store of a newer schema.
  kFailedPrecondition,
  // The thing to create exists already: `init` on an existing store.
  kAlreadyExists,
  // The caller is known but may not do this.
  kPermissionDenied,
  // The caller did not prove who they are.
  kUnauthenticated,
  // A limit was hit: disk full, too large an input, too many requests.
  kResourceExhausted,
  // A dependency is unreachable for now; retrying later may succeed.
  kUnavailable,
  // Stored data is corrupt or was tampered with; nothing was changed.
  kDataLoss,
  // A bug in optin: an invariant did not hold.
  kInternal,
};

// How a code appears at each front end. One row per code, defined once.
struct StatusCodeInfo {
  std::string_view api_code;  // stable `code` in JSON error bodies
  int http_status;
  int exit_code;  // CLI: 2 usage errors, 3 data or store errors
};
const StatusCodeInfo& InfoFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  // `reason` refines the code for machines, e.g. `gpc_conflict` within
  // kFailedPrecondition; the API reports it as the error's `code`.
  Status(StatusCode code, std::string message, std::string reason)
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& reason() const { return reason_; }
  // "invalid_argument: message", for logs and tests.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status FailedPreconditionError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status InternalError(std::string message);

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result constructed from an OK status without a value");
  }
  template <typename U>
    requires(std::is_convertible_v<U &&, T> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Status>)
  Result(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  // The value, or `fallback` when there is none.
  template <typename U>
  T value_or(U&& fallback) const& {
    return value_.value_or(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;
};

namespace internal {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) { return r.status(); }
}  // namespace internal

}  // namespace optin

#define OPTIN_CONCAT_INNER_(a, b) a##b
#define OPTIN_CONCAT_(a, b) OPTIN_CONCAT_INNER_(a, b)

#define OPTIN_RETURN_IF_ERROR(expr)                                            \
  do {                                                                         \
    ::optin::Status optin_status_ = ::optin::internal::GetStatus(expr);        \
    if (!optin_status_.ok()) return optin_status_;                             \
  } while (0)

#define OPTIN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define OPTIN_ASSIGN_OR_RETURN(lhs, expr) \
  OPTIN_ASSIGN_OR_RETURN_IMPL_(OPTIN_CONCAT_(optin_result_, __LINE__), lhs, expr)

#endif  // OPTIN_STATUS_H_
