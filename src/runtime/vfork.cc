#include "runtime/vfork.h"

#include <sched.h>
#include <signal.h>

#include <cerrno>
#include <memory>

namespace nest::runtime {

base::Result<pid_t> VforkClone(int (*fn)(void*), void* arg, const std::string& what) {
  constexpr size_t kStack = 32 * 1024;
  auto stack = std::make_unique_for_overwrite<char[]>(kStack);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t child = ::clone(fn, stack.get() + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (child < 0) return base::Error::FromErrno(what, clone_errno);
  return child;
}

}  // namespace nest::runtime
