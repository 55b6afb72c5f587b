#include "runtime/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "base/strings.h"
#include "base/worker_pool.h"
#include "runtime/seccomp.h"
#include "runtime/signals.h"
#include "runtime/vfork.h"
#include "sys/raw_syscall.h"
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

constexpr size_t kCommandStack = 32 * 1024;

// Exit status of a command whose start gate was never opened.
constexpr int kGateClosedExit = 125;

}  // namespace

// What the helper and the command read and write in our memory (CLONE_VM).
// Owned by the ExecProcess: the command may use it until it execs or exits,
// which is after SpawnExec has returned.
struct SpawnState {
  explicit SpawnState(const ExecSpec& s)
      : spec(s),
        candidates(Candidates(spec)),
        cwd(spec.cwd.empty() ? "/" : spec.cwd.c_str()),
        ignored_signals(&IgnoredSignals()),
        ns(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
           CLONE_NEWCGROUP | (spec.privileged ? 0 : CLONE_NEWUSER)),
        // The command's stack: its creator (the helper) must not call malloc,
        // and a few hundred bytes are used. Left uninitialized and below
        // malloc's mmap threshold, it comes from warm heap memory (a zero-filled
        // fresh 512 KB cost ~1 ms of page faults per exec on this VM).
        command_stack(std::make_unique_for_overwrite<char[]>(kCommandStack)) {
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }

  // Constant while the children run. The spec is a copy: the command reads no
  // memory of the caller's but this.
  const ExecSpec spec;
  const std::vector<std::string> candidates;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* const cwd;
  const std::vector<int>* const ignored_signals;  // ours, put back to default in the command
  const int ns;
  const std::unique_ptr<char[]> command_stack;
  bool filter_inherited = false;  // the children have spec.seccomp already (RunFiltered)
  // Written by the helper, read once it has exited.
  pid_t command = -1;
  int setup_errno = 0;  // the helper failed before creating the command
  // Written by the command, read once it has exited.
  int exec_errno = 0;        // the command could not be exec'd
  bool gate_closed = false;  // the start gate gave no byte: the command did not run
};

namespace {

// Waits for the start byte on fd 3. False on EOF, error or timeout.
bool PassGate(int timeout_ms) {
  struct pollfd pfd = {3, POLLIN, 0};
  long r;
  while ((r = sys::raw::Poll(&pfd, 1, timeout_ms)) == -EINTR) {
  }
  char byte;
  return r > 0 && sys::raw::Read(3, &byte, 1) == 1;
}

// The command, from its clone to its execve. It runs beside the thread that
// spawned it, in the same memory and with the same thread pointer: it makes
// raw system calls only (sys/raw_syscall.h), which leave that thread's errno
// alone, and touches no memory but its stack and the SpawnState.
int CommandMain(void* arg) {
  namespace raw = sys::raw;
  auto* s = static_cast<SpawnState*>(arg);
  const ExecSpec& spec = s->spec;
  raw::Setsid();
  if (spec.tty) raw::Ioctl(spec.stdin_fd, TIOCSCTTY, 0);
  raw::Dup2(spec.stdin_fd, 0);
  raw::Dup2(spec.stdout_fd, 1);
  raw::Dup2(spec.stderr_fd, 2);
  // Our descriptor table is a copy of the daemon's: keep only stdio (and the
  // gate, as fd 3), so a command held at the gate pins none of its files.
  unsigned keep = 3;
  if (spec.start_gate >= 0) {
    raw::Dup2(spec.start_gate, 3);
    keep = 4;
  }
  raw::CloseRange(keep, ~0U);
  if (spec.seccomp && !s->filter_inherited) {
    if (int e = LoadSeccompProgram(*spec.seccomp); e != 0) {
      s->exec_errno = e;
      raw::ExitGroup(126);
    }
  }
  if (!spec.privileged) {
    // Raw system calls also because glibc's wrappers would "broadcast" the
    // change to every thread of the daemon whose memory we share.
    long r;
    if ((r = raw::Setgroups(0, nullptr)) < 0 || (r = raw::Setresgid(spec.gid)) < 0 ||
        (r = raw::Setresuid(spec.uid)) < 0) {
      s->exec_errno = static_cast<int>(-r);
      raw::ExitGroup(126);
    }
  }
  if (raw::Chdir(s->cwd) < 0) raw::Chdir("/");
  // Search PATH now, while the client is still connecting: once the gate
  // opens only the execve of the program found is left (a failed execve of
  // each earlier PATH entry cost ~40 us on an overlay root).
  const std::string* found = nullptr;
  for (const auto& c : s->candidates) {
    if (raw::Faccessat(c.c_str(), X_OK) == 0) {
      found = &c;
      break;
    }
  }
  if (spec.start_gate >= 0) {
    if (!PassGate(spec.gate_timeout_ms)) {
      s->gate_closed = true;
      raw::ExitGroup(kGateClosedExit);
    }
    raw::Close(3);
  }
  RestoreDefaultActions(*s->ignored_signals);
  raw::UnblockAllSignals();
  long err = -ENOENT;
  if (found) {
    long r = raw::Execve(found->c_str(), s->argv.data(), s->envp.data());
    if (r != -ENOENT && r != -ENOTDIR) err = r;
  }
  for (const auto& c : s->candidates) {  // as execvp, should the one found be gone
    if (&c == found) continue;
    long r = raw::Execve(c.c_str(), s->argv.data(), s->envp.data());
    if (r != -ENOENT && r != -ENOTDIR) err = r;
  }
  s->exec_errno = static_cast<int>(-err);
  raw::ExitGroup(err == -ENOENT ? 127 : 126);
}

// The helper runs while the thread that cloned it waits (vfork-style): it may
// use glibc's wrappers.
int HelperMain(void* arg) {
  auto* s = static_cast<SpawnState*>(arg);
  for (const auto& fd : s->spec.join->cgroup_procs) {
    if (::write(fd.get(), "0", 1) < 0) {
      s->setup_errno = errno;
      return 1;
    }
  }
  if (::setns(s->spec.join->init.get(), s->ns) < 0) {
    s->setup_errno = errno;
    return 1;
  }
  // CLONE_PARENT: the command is the caller's child, not this helper's. No
  // CLONE_VFORK: the helper exits at once, and its caller goes on (to stream
  // the output) while the command makes itself ready and waits at its gate.
  pid_t pid =
      ::clone(CommandMain, s->command_stack.get() + kCommandStack, CLONE_VM | CLONE_PARENT, s);
  if (pid < 0) {
    s->setup_errno = errno;
    return 1;
  }
  s->command = pid;
  return 0;
}

// The seccomp program the calling thread has loaded as its own filter, if it
// is one of RunFiltered's threads.
thread_local const std::vector<sock_filter>* t_filter = nullptr;

base::WorkerPool& FilteredThreads() {
  static base::WorkerPool pool(/*max_idle=*/4);
  return pool;
}

}  // namespace

void RunFiltered(const std::vector<sock_filter>& program, std::function<void()> task) {
  FilteredThreads().Submit([&program, task = std::move(task)] {
    if (!t_filter && LoadSeccompProgram(program) == 0) t_filter = &program;
    task();
  });
}

ExecProcess::ExecProcess(pid_t command, base::UniqueFd pidfd, std::unique_ptr<SpawnState> state)
    : command_(command), pidfd_(std::move(pidfd)), state_(std::move(state)) {}

ExecProcess::~ExecProcess() {
  if (!waited_) {
    (void)Signal(SIGKILL);
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED);
  }
}  // the command is gone: state_ may go

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
  if (state_->gate_closed) {
    exit.unstarted = true;
    exit.error = "the command's start gate was not opened";
  } else if (state_->exec_errno == ENOENT) {
    exit.error = "Command not found";
    exit.code = 127;
  } else if (state_->exec_errno != 0) {
    exit.error = std::string("Command not executable: ") + std::strerror(state_->exec_errno);
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

  auto state = std::make_unique<SpawnState>(spec);
  // On one of RunFiltered's threads the helper and the command inherit its
  // filter; elsewhere (no policy loaded there) the command loads it itself.
  state->filter_inherited = spec.seccomp && t_filter == spec.seccomp;
  base::Result<pid_t> helper = VforkClone(HelperMain, state.get(), "clone (exec helper)");
  int status = 0;
  while (helper && ::waitpid(*helper, &status, __WALL) < 0 && errno == EINTR) {
  }
  if (!helper) return std::move(helper).error();
  if (state->setup_errno == ESRCH || state->setup_errno == ENODEV) {
    // The pidfd's process has exited, or the cgroup was removed: the
    // container stopped after it was found running.
    return base::Error::NotFound("the container's init is gone");
  }
  if (state->setup_errno != 0 || state->command < 0) {
    return base::Error::FromErrno("joining the container", state->setup_errno);
  }
  auto pidfd = sys::PidfdOpen(state->command);
  if (!pidfd) {
    ::kill(state->command, SIGKILL);  // it may be waiting at its gate
    ::waitpid(state->command, nullptr, __WALL);
    return std::move(pidfd).error();
  }
  pid_t command = state->command;
  return std::make_unique<ExecProcess>(command, std::move(*pidfd), std::move(state));
}

}  // namespace nest::runtime
