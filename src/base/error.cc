#include "base/error.h"

#include <cstring>

namespace nest::base {

Error Error::FromErrno(const std::string& what, int sys_errno) {
  ErrorKind kind = ErrorKind::kInternal;
  if (sys_errno == ENOENT) kind = ErrorKind::kNotFound;
  if (sys_errno == EEXIST) kind = ErrorKind::kConflict;
  if (sys_errno == EACCES || sys_errno == EPERM) kind = ErrorKind::kForbidden;
  return Error(kind, what + ": " + std::strerror(sys_errno), sys_errno);
}

}  // namespace nest::base
