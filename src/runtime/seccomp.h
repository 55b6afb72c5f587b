// The default seccomp policy of an unprivileged container (LXD's, lxd-spec §6).
#pragma once

#include "base/result.h"

namespace nest::runtime {

// Loads the deny list into the calling thread: kexec_load, open_by_handle_at,
// init_module, finit_module and delete_module fail with ENOSYS, and umount2 with
// MNT_FORCE fails with EACCES. Requires CAP_SYS_ADMIN in the caller's user
// namespace or no_new_privs.
base::Status LoadDefaultSeccomp();

}  // namespace nest::runtime
