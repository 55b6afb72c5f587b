// System calls that leave errno alone, for a child that runs beside the thread
// that created it, in the same memory and with the same thread pointer (clone
// with CLONE_VM, without CLONE_VFORK or CLONE_SETTLS): glibc's wrappers would
// store their errno in that thread's storage while it runs. Each returns what
// the kernel returns: the result, or -errno. Async-signal-safe; no allocation.
#pragma once

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#include <type_traits>

namespace nest::sys::raw {

inline long Syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0,
                    long f = 0) {
#if defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
#else
#error "nest::sys::raw: no raw system call for this architecture"
#endif
}

// A system call's argument as the kernel takes it: pointers and integers alike.
template <typename T>
long Arg(T v) {
  if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}

inline long Read(int fd, void* buf, size_t n) { return Syscall(SYS_read, fd, Arg(buf), Arg(n)); }
inline long Close(int fd) { return Syscall(SYS_close, fd); }
// dup3 refuses equal descriptors, where dup2 would return the descriptor.
inline long Dup2(int from, int to) { return from == to ? to : Syscall(SYS_dup3, from, to, 0); }
inline long CloseRange(unsigned first, unsigned last) {
  return Syscall(SYS_close_range, first, last, 0);
}
inline long Ioctl(int fd, unsigned long request, long arg) {
  return Syscall(SYS_ioctl, fd, Arg(request), arg);
}
inline long Setsid() { return Syscall(SYS_setsid); }
inline long Setgroups(size_t n, const gid_t* groups) {
  return Syscall(SYS_setgroups, Arg(n), Arg(groups));
}
inline long Setresgid(gid_t gid) { return Syscall(SYS_setresgid, gid, gid, gid); }
inline long Setresuid(uid_t uid) { return Syscall(SYS_setresuid, uid, uid, uid); }
inline long Chdir(const char* path) { return Syscall(SYS_chdir, Arg(path)); }
inline long Faccessat(const char* path, int mode) {
  return Syscall(SYS_faccessat, AT_FDCWD, Arg(path), mode);
}
// ppoll with a timeout in milliseconds (negative: none).
inline long Poll(struct pollfd* fds, unsigned n, int timeout_ms) {
  struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  return Syscall(SYS_ppoll, Arg(fds), n, timeout_ms < 0 ? 0 : Arg(&ts), 0, 0);
}
// rt_sigaction to SIG_DFL (the kernel's struct: handler, flags, restorer, mask).
inline long SignalDefault(int signo) {
  struct {
    long handler = 0;  // SIG_DFL
    unsigned long flags = 0;
    long restorer = 0;
    unsigned long mask = 0;
  } act;
  return Syscall(SYS_rt_sigaction, signo, Arg(&act), 0, sizeof act.mask);
}
// rt_sigprocmask: no signal blocked.
inline long UnblockAllSignals() {
  unsigned long none = 0;
  return Syscall(SYS_rt_sigprocmask, SIG_SETMASK, Arg(&none), 0, sizeof none);
}
inline long Execve(const char* path, char* const* argv, char* const* envp) {
  return Syscall(SYS_execve, Arg(path), Arg(argv), Arg(envp));
}
[[noreturn]] inline void ExitGroup(int code) {
  for (;;) Syscall(SYS_exit_group, code);
}

}  // namespace nest::sys::raw
