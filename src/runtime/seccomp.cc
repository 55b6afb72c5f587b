#include "runtime/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/mount.h>

namespace nest::runtime {

base::Status LoadDefaultSeccomp() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return base::Error::Internal("seccomp_init failed");
  int rc = 0;
  for (int nr : {SCMP_SYS(kexec_load), SCMP_SYS(open_by_handle_at), SCMP_SYS(init_module),
                 SCMP_SYS(finit_module), SCMP_SYS(delete_module)}) {
    if (!rc) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }
  if (!rc) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(umount2), 1,
                          SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE));
  }
  if (!rc) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc < 0) return base::Error::FromErrno("loading the seccomp policy", -rc);
  return base::Ok();
}

}  // namespace nest::runtime
