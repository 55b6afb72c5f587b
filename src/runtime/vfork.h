// VforkClone: runs a function in a child that shares our memory, vfork-style:
// nothing of the daemon's memory is copied (a fork costs ~1.3 ms of page-table
// work on this VM), and the caller resumes once the child has exec'd or exited.
// For the children of the multi-threaded nestd that set up and exec another
// program: the exec'd command's helper, the monitor.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace nest::runtime {

// clone(CLONE_VM | CLONE_VFORK | SIGCHLD) of fn(arg) on a 32 KiB stack of its
// own (uninitialized, from warm heap: a few hundred bytes are used). Every
// signal stays blocked in the calling thread until the child is done with our
// memory, so no handler runs on it from the child. The child is the caller's
// to reap. Errors: the clone's errno, prefixed with `what`.
base::Result<pid_t> VforkClone(int (*fn)(void*), void* arg, const std::string& what);

}  // namespace nest::runtime
