#include "runtime/exec.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
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
  const std::vector<base::UniqueFd>* cgroups;
  int init_pidfd;
  int ns;
  char* command_stack_top;
  // Written by the children.
  pid_t command = -1;
  int setup_errno = 0;  // the helper failed before creating the command
  int exec_errno = 0;   // the command could not be exec'd
};

int CommandMain(void* arg) {
  auto* s = static_cast<SpawnShared*>(arg);
  const ExecSpec& spec = *s->spec;
  ::setsid();
  if (spec.tty) ::ioctl(spec.stdin_fd, TIOCSCTTY, 0);
  ::dup2(spec.stdin_fd, 0);
  ::dup2(spec.stdout_fd, 1);
  ::dup2(spec.stderr_fd, 2);
  ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (!spec.privileged) {
    if (::setgroups(0, nullptr) < 0 || ::setresgid(spec.gid, spec.gid, spec.gid) < 0 ||
        ::setresuid(spec.uid, spec.uid, spec.uid) < 0) {
      s->exec_errno = errno;
      ::_exit(126);
    }
  }
  if (::chdir(s->cwd) < 0) (void)!::chdir("/");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int err = ENOENT;
  for (const auto& c : *s->candidates) {
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

base::Result<std::unique_ptr<ExecProcess>> SpawnExec(const ExecSpec& spec) {
  if (spec.argv.empty()) return base::Error::Invalid("no command given");
  auto init = sys::PidfdOpen(spec.init_pid);
  if (!init) return base::Error::NotFound("the container's init is gone");
  std::vector<base::UniqueFd> cgroups;
  for (const auto& f : spec.cgroup_procs) cgroups.push_back(TRY(sys::Open(f, O_WRONLY)));

  std::vector<std::string> candidates = Candidates(spec);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  constexpr size_t kStack = 256 * 1024;
  std::vector<char> helper_stack(kStack), command_stack(kStack);

  SpawnShared shared{&spec,
                     &candidates,
                     argv.data(),
                     envp.data(),
                     spec.cwd.empty() ? "/" : spec.cwd.c_str(),
                     &cgroups,
                     init->get(),
                     CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                         CLONE_NEWCGROUP | (spec.privileged ? 0 : CLONE_NEWUSER),
                     command_stack.data() + kStack};
  // No signal handler may run in a child that shares our memory.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t helper =
      ::clone(HelperMain, helper_stack.data() + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &shared);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (helper < 0) return base::Error::FromErrno("clone (exec helper)", clone_errno);
  int status = 0;
  while (::waitpid(helper, &status, __WALL) < 0 && errno == EINTR) {
  }
  if (shared.setup_errno != 0 || shared.command < 0) {
    return base::Error::FromErrno("joining the container", shared.setup_errno);
  }
  auto pidfd = sys::PidfdOpen(shared.command);
  if (!pidfd) {
    ::waitpid(shared.command, nullptr, __WALL);
    return std::move(pidfd).error();
  }
  return std::make_unique<ExecProcess>(shared.command, std::move(*pidfd), shared.exec_errno);
}

}  // namespace nest::runtime
