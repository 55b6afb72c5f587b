// Terminals for exec: allocated in the container's own devpts instance, so the
// command sees a real /dev/pts/N (tty(1), ttyname(3)) owned by its root.
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::runtime {

struct Pty {
  base::UniqueFd master;
  base::UniqueFd slave;
};

// Opens /dev/pts/ptmx inside the root of `init_pid` (resolved in that root, never
// through a symlink out of it), unlocks it and opens the peer with TIOCGPTPEER
// (no path lookup). The slave is owned by the container's root and tty group.
base::Result<Pty> OpenContainerPty(pid_t init_pid);

}  // namespace nest::runtime
