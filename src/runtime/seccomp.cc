#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "sys/raw_syscall.h"

namespace nest::runtime {

base::Result<std::vector<sock_filter>> CompileDefaultSeccomp() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return base::Error::Internal("seccomp_init failed");
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (int nr : {SCMP_SYS(kexec_load), SCMP_SYS(open_by_handle_at), SCMP_SYS(init_module),
                 SCMP_SYS(finit_module), SCMP_SYS(delete_module)}) {
    if (!rc) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }
  if (!rc) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(umount2), 1,
                          SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE));
  }
  base::UniqueFd mem(::memfd_create("nest-seccomp", MFD_CLOEXEC));
  if (!rc && !mem) rc = -errno;
  if (!rc) rc = seccomp_export_bpf(ctx, mem.get());
  seccomp_release(ctx);
  if (rc < 0) return base::Error::FromErrno("compiling the seccomp policy", -rc);
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) {
    return base::Error::Internal("compiling the seccomp policy: odd BPF size " +
                                 std::to_string(size));
  }
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(mem.get(), program.data(), static_cast<size_t>(size), 0) != size) {
    return base::Error::FromErrno("reading the compiled seccomp policy", errno);
  }
  return program;
}

const base::Result<std::vector<sock_filter>>& DefaultSeccompProgram() {
  static const base::Result<std::vector<sock_filter>> program = CompileDefaultSeccomp();
  return program;
}

int LoadSeccompProgram(const std::vector<sock_filter>& program) {
  struct sock_fprog fprog = {static_cast<unsigned short>(program.size()),
                             const_cast<sock_filter*>(program.data())};
  long r = sys::raw::Syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, sys::raw::Arg(&fprog));
  return r < 0 ? static_cast<int>(-r) : 0;
}

}  // namespace nest::runtime
