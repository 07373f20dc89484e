// Errors as values: a code plus a human message, and Result<T> holding either a
// value or an Error. Functions that can fail on untrusted input return these;
// exceptions never cross a module boundary.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cloister {

// Broad failure classes. Callers branch on the code; people read the message.
enum class ErrorCode {
  kInvalidArgument,     // the caller passed something unusable (bad flag, bad key size)
  kMalformed,           // untrusted bytes do not parse (truncated, bad length, bad tag)
  kUnsupported,         // well-formed, but a version or type we do not implement
  kRejected,            // parsed fine, but a security check said no (signature, policy)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a named thing exists and must not be replaced
  kConflict,            // optimistic concurrency: the version moved underneath the caller
  kPermissionDenied,    // the caller is not allowed to do this
  kResourceExhausted,   // a bound was hit (size, count, quota, rate)
  kFailedPrecondition,  // the system is not in a state where this can run
  kUnavailable,         // a peer or device is not reachable right now
  kDeadlineExceeded,    // a timeout elapsed
  kCancelled,           // the operation was cancelled by request
  kIo,                  // the operating system reported an error
  kInternal,            // a bug: an invariant did not hold
};

// Returns a stable lower-case name for `code`, e.g. "malformed".
std::string_view error_code_name(ErrorCode code);

// A failure: what kind, and a message that says exactly what was wrong.
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns "code: message", for logs and CLI output.
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

// Either a value of type T or an Error. Accessing the wrong alternative is a bug
// and asserts in debug builds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Success or an Error, with no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }

  const Error& error() const& {
    assert(!ok());
    return error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool failed_ = false;
};

using Status = Result<void>;

// Returns a successful Status.
inline Status ok_status() { return {}; }

}  // namespace cloister

#define CLOISTER_CONCAT_INNER(a, b) a##b
#define CLOISTER_CONCAT(a, b) CLOISTER_CONCAT_INNER(a, b)

// Evaluates `expr` (a Result or Status); on failure returns its Error from the
// enclosing function.
#define CLOISTER_TRY(expr)                            \
  do {                                                \
    auto cloister_try_result_ = (expr);               \
    if (!cloister_try_result_.ok()) {                 \
      return std::move(cloister_try_result_).error(); \
    }                                                 \
  } while (false)

// Evaluates `expr` (a Result<T>); on failure returns its Error, otherwise
// moves the value into `lhs`, which may be a declaration (`auto x`).
#define CLOISTER_ASSIGN_OR_RETURN(lhs, expr) \
  CLOISTER_ASSIGN_OR_RETURN_IMPL(CLOISTER_CONCAT(cloister_result_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `tmp` and `lhs` name or declare variables.
#define CLOISTER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    return std::move(tmp).error();                     \
  }                                                    \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
