// The default seccomp policy of an unprivileged container (LXD's, lxd-spec §6).
#pragma once

#include <linux/filter.h>

#include <vector>

#include "base/result.h"

namespace nest::runtime {

// The deny list, compiled by libseccomp to a classic BPF program:
// kexec_load, open_by_handle_at, init_module, finit_module and delete_module
// fail with ENOSYS, and umount2 with MNT_FORCE fails with EACCES. Loading it
// does not set no_new_privs (setuid programs in a system container work, as in
// LXD), so the loader needs CAP_SYS_ADMIN in its user namespace.
base::Result<std::vector<sock_filter>> CompileDefaultSeccomp();

// The compiled policy, made once per process (thread-safe).
const base::Result<std::vector<sock_filter>>& DefaultSeccompProgram();

// Loads `program` into the calling thread with one raw system call that leaves
// errno alone (safe in a child sharing the daemon's memory). Returns 0 or the
// errno.
int LoadSeccompProgram(const std::vector<sock_filter>& program);

}  // namespace nest::runtime
