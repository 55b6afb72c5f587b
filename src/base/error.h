// Error: what failed, on what, and why, plus a kind the API layer maps to a status.
#pragma once

#include <string>
#include <utility>

namespace nest::base {

// The broad class of a failure. Only daemon/http turns a kind into an HTTP status.
enum class ErrorKind {
  kInternal,      // a bug or an OS failure nobody asked for
  kInvalid,       // the caller's input is wrong (400)
  kNotFound,      // the thing named does not exist (404)
  kConflict,      // it exists already, or is in the wrong state (409/400)
  kPrecondition,  // ETag mismatch (412)
  kForbidden,     // not allowed (403)
  kUnavailable,   // a dependency is missing or unreachable (503)
};

class Error {
 public:
  Error(ErrorKind kind, std::string message, int sys_errno = 0)
      : kind_(kind), message_(std::move(message)), errno_(sys_errno) {}

  // An OS failure: "<what>: <strerror(errno)>".
  static Error FromErrno(const std::string& what, int sys_errno);
  static Error Invalid(std::string message) { return {ErrorKind::kInvalid, std::move(message)}; }
  static Error NotFound(std::string message) { return {ErrorKind::kNotFound, std::move(message)}; }
  static Error Conflict(std::string message) { return {ErrorKind::kConflict, std::move(message)}; }
  static Error Internal(std::string message) { return {ErrorKind::kInternal, std::move(message)}; }
  static Error Unavailable(std::string message) {
    return {ErrorKind::kUnavailable, std::move(message)};
  }

  // Prepends the layer's context: "mounting rootfs /x: mount_setattr: EPERM".
  Error& Context(const std::string& context) {
    message_ = context + ": " + message_;
    return *this;
  }

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  int sys_errno() const { return errno_; }

 private:
  ErrorKind kind_;
  std::string message_;
  int errno_;
};

}  // namespace nest::base
