#include "runtime/exec.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>

#include "base/strings.h"
#include "base/worker_pool.h"
#include "runtime/seccomp.h"
#include "runtime/signals.h"
#include "runtime/vfork.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

// Candidate paths for argv[0], in PATH order (execvpe would search the daemon's
// own PATH, not the container's).
std::vector<std::string> Candidates(const ExecSpec& spec) {
  const std::string& cmd = spec.argv[0];
  if (cmd.find('/') != std::string::npos) return {cmd};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : spec.env) {
    if (base::StartsWith(e, "PATH=")) path = e.substr(5);
  }
  std::vector<std::string> out;
  for (const auto& dir : base::Split(path, ':')) {
    if (!dir.empty()) out.push_back(dir + "/" + cmd);
  }
  return out;
}

// State shared (CLONE_VM) between the caller, the helper and the command.
struct SpawnShared {
  const ExecSpec* spec;
  const std::vector<std::string>* candidates;
  char** argv;
  char** envp;
  const char* cwd;
  const std::vector<base::UniqueFd>* cgroups;  // cgroup.procs files
  const std::vector<int>* ignored_signals;     // ours, put back to default in the command
  int init_pidfd;
  int ns;
  char* command_stack_top;
  // Written by the children.
  pid_t command = -1;
  int setup_errno = 0;            // the helper failed before creating the command
  int exec_errno = 0;             // the command could not be exec'd
  bool gate_closed = false;       // the start gate gave no byte: the command did not run
  bool filter_inherited = false;  // the command has spec->seccomp already (SpawnFiltered)
};

// Exit status of a command whose start gate was never opened.
constexpr int kGateClosedExit = 125;

// Waits for the start byte on fd 3. False on EOF, error or timeout.
bool PassGate(int timeout_ms) {
  struct pollfd pfd = {3, POLLIN, 0};
  int r;
  while ((r = ::poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  char byte;
  return r > 0 && ::read(3, &byte, 1) == 1;
}

int CommandMain(void* arg) {
  auto* s = static_cast<SpawnShared*>(arg);
  const ExecSpec& spec = *s->spec;
  ::setsid();
  if (spec.tty) ::ioctl(spec.stdin_fd, TIOCSCTTY, 0);
  ::dup2(spec.stdin_fd, 0);
  ::dup2(spec.stdout_fd, 1);
  ::dup2(spec.stderr_fd, 2);
  // Our descriptor table is a copy of the daemon's: keep only stdio (and the
  // gate, as fd 3), so a command held at the gate pins none of its files.
  unsigned keep = 3;
  if (spec.start_gate >= 0) {
    if (spec.start_gate != 3) ::dup2(spec.start_gate, 3);
    keep = 4;
  }
  ::syscall(SYS_close_range, keep, ~0U, 0);
  if (spec.seccomp && !s->filter_inherited) {
    if (int e = LoadSeccompProgram(*spec.seccomp); e != 0) {
      s->exec_errno = e;
      ::_exit(126);
    }
  }
  if (!spec.privileged) {
    // Raw system calls: glibc's wrappers would "broadcast" the change to every
    // thread of the daemon whose memory we share (a signal and futex per thread).
    if (::syscall(SYS_setgroups, 0, nullptr) < 0 ||
        ::syscall(SYS_setresgid, spec.gid, spec.gid, spec.gid) < 0 ||
        ::syscall(SYS_setresuid, spec.uid, spec.uid, spec.uid) < 0) {
      s->exec_errno = errno;
      ::_exit(126);
    }
  }
  if (::chdir(s->cwd) < 0) (void)!::chdir("/");
  // Search PATH now, while the client is still connecting: once the gate
  // opens only the execve of the program found is left (a failed execve of
  // each earlier PATH entry cost ~40 us on an overlay root).
  const std::string* found = nullptr;
  for (const auto& c : *s->candidates) {
    if (::access(c.c_str(), X_OK) == 0) {
      found = &c;
      break;
    }
  }
  if (spec.start_gate >= 0) {
    if (!PassGate(spec.gate_timeout_ms)) {
      s->gate_closed = true;
      ::_exit(kGateClosedExit);
    }
    ::close(3);
  }
  RestoreDefaultActions(*s->ignored_signals);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int err = ENOENT;
  if (found) {
    ::execve(found->c_str(), s->argv, s->envp);
    if (errno != ENOENT && errno != ENOTDIR) err = errno;
  }
  for (const auto& c : *s->candidates) {  // as execvp, should the one found be gone
    if (&c == found) continue;
    ::execve(c.c_str(), s->argv, s->envp);
    if (errno != ENOENT && errno != ENOTDIR) err = errno;
  }
  s->exec_errno = err;
  ::_exit(err == ENOENT ? 127 : 126);
}

int HelperMain(void* arg) {
  auto* s = static_cast<SpawnShared*>(arg);
  for (const auto& fd : *s->cgroups) {
    if (::write(fd.get(), "0", 1) < 0) {
      s->setup_errno = errno;
      return 1;
    }
  }
  if (::setns(s->init_pidfd, s->ns) < 0) {
    s->setup_errno = errno;
    return 1;
  }
  // CLONE_PARENT: the command is the caller's child, not this helper's, so the
  // helper can exit at once; CLONE_VFORK: we resume once it has exec'd.
  pid_t pid = ::clone(CommandMain, s->command_stack_top, CLONE_VM | CLONE_VFORK | CLONE_PARENT, s);
  if (pid < 0) {
    s->setup_errno = errno;
    return 1;
  }
  s->command = pid;
  return 0;
}

// Runs `spawn` on a thread whose own seccomp filter is `program`, and waits
// for it; false (`spawn` not run) when no such thread can be had. A helper
// cloned there inherits the filter, and so does the command it clones: the
// command loads nothing. Loading a filter costs a BPF allocation and JIT each
// time (100-730 us on this VM, on the exec's critical path); each of these
// threads loads it once. They only ever clone exec helpers, whose work the
// policy (runtime/seccomp.h) does not touch.
bool SpawnFiltered(const std::vector<sock_filter>& program, const std::function<void()>& spawn) {
  static base::WorkerPool spawners(/*max_idle=*/4);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool filtered = false;
  spawners.Submit([&] {
    thread_local const std::vector<sock_filter>* held = nullptr;
    if (!held && LoadSeccompProgram(program) == 0) held = &program;
    bool ok = held == &program;
    if (ok) spawn();
    std::lock_guard lock(mu);
    filtered = ok;
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  return filtered;
}

}  // namespace

ExecProcess::~ExecProcess() {
  if (!waited_) {
    (void)Signal(SIGKILL);
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED);
  }
}

base::Status ExecProcess::Signal(int sig) {
  if (waited_) return base::Error::NotFound("the command has exited");
  return sys::PidfdSendSignal(pidfd_.get(), sig);
}

ExecExit ExecProcess::Wait() {
  siginfo_t info{};
  while (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED) < 0 && errno == EINTR) {
  }
  waited_ = true;
  ExecExit exit;
  exit.code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  if (exec_errno_ == ENOENT) {
    exit.error = "Command not found";
    exit.code = 127;
  } else if (exec_errno_ != 0) {
    exit.error = std::string("Command not executable: ") + std::strerror(exec_errno_);
    exit.code = 126;
  }
  return exit;
}

base::Result<JoinTarget> OpenJoinTarget(pid_t init_pid,
                                        const std::vector<std::string>& cgroup_procs) {
  JoinTarget target;
  auto init = sys::PidfdOpen(init_pid);
  if (!init) return base::Error::NotFound("the container's init is gone");
  target.init = std::move(*init);
  for (const auto& f : cgroup_procs) {
    target.cgroup_procs.push_back(TRY(sys::Open(f, O_WRONLY)));
  }
  return target;
}

base::Result<std::unique_ptr<ExecProcess>> SpawnExec(const ExecSpec& spec) {
  if (spec.argv.empty()) return base::Error::Invalid("no command given");
  if (!spec.join) return base::Error::Invalid("no container to join");
  // The command shares our memory while it runs with the container's ids, in
  // its user namespace (held at the gate, for milliseconds). Non-dumpable, our
  // memory cannot be opened by ptrace or /proc/PID/mem from inside the
  // container: that needs CAP_SYS_PTRACE in the namespace that owns it, ours.
  if (::prctl(PR_SET_DUMPABLE, 0) != 0)
    return base::Error::FromErrno("prctl(PR_SET_DUMPABLE)", errno);

  std::vector<std::string> candidates = Candidates(spec);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // The command's stack, allocated here since its creator (the helper) must
  // not call malloc: a few hundred bytes are used. Left uninitialized and below
  // malloc's mmap threshold, it comes from warm heap memory (a zero-filled fresh
  // 512 KB cost ~1 ms of page faults per exec on this VM).
  constexpr size_t kStack = 32 * 1024;
  auto command_stack = std::make_unique_for_overwrite<char[]>(kStack);

  SpawnShared shared{&spec,
                     &candidates,
                     argv.data(),
                     envp.data(),
                     spec.cwd.empty() ? "/" : spec.cwd.c_str(),
                     &spec.join->cgroup_procs,
                     &IgnoredSignals(),
                     spec.join->init.get(),
                     CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                         CLONE_NEWCGROUP | (spec.privileged ? 0 : CLONE_NEWUSER),
                     command_stack.get() + kStack};
  base::Result<pid_t> helper = base::Error::Internal("exec helper not started");
  auto clone_and_wait = [&] {
    helper = VforkClone(HelperMain, &shared, "clone (exec helper)");
    int status = 0;
    while (helper && ::waitpid(*helper, &status, __WALL) < 0 && errno == EINTR) {
    }
  };
  // (A privileged container has no policy: its helper is cloned from here.)
  bool spawned = spec.seccomp && SpawnFiltered(*spec.seccomp, [&] {
                   shared.filter_inherited = true;
                   clone_and_wait();
                 });
  if (!spawned) clone_and_wait();
  if (!helper) return std::move(helper).error();
  if (shared.setup_errno == ESRCH || shared.setup_errno == ENODEV) {
    // The pidfd's process has exited, or the cgroup was removed: the
    // container stopped after it was found running.
    return base::Error::NotFound("the container's init is gone");
  }
  if (shared.setup_errno != 0 || shared.command < 0) {
    return base::Error::FromErrno("joining the container", shared.setup_errno);
  }
  if (shared.gate_closed) {
    ::waitpid(shared.command, nullptr, __WALL);
    return base::Error::Conflict("the command's start gate was not opened");
  }
  auto pidfd = sys::PidfdOpen(shared.command);
  if (!pidfd) {
    ::waitpid(shared.command, nullptr, __WALL);
    return std::move(pidfd).error();
  }
  return std::make_unique<ExecProcess>(shared.command, std::move(*pidfd), shared.exec_errno);
}

}  // namespace nest::runtime
