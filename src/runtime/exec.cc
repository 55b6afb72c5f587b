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

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

ExecProcess::~ExecProcess() {
  if (!waited_) {
    (void)Signal(SIGKILL);
    ::waitpid(helper_, nullptr, 0);
  }
}

base::Status ExecProcess::Signal(int sig) {
  if (!pidfd_) return base::Error::NotFound("the command is gone");
  return sys::PidfdSendSignal(pidfd_.get(), sig);
}

ExecExit ExecProcess::Wait() {
  int status = 0;
  while (::waitpid(helper_, &status, 0) < 0 && errno == EINTR) {
  }
  waited_ = true;
  ExecExit exit{ExitCode(status), ""};
  int err = 0;
  if (::read(errors_.get(), &err, sizeof err) == sizeof err) {
    if (err == ENOENT) {
      exit.error = "Command not found";
      exit.code = 127;
    } else {
      exit.error = std::string("Command not executable: ") + std::strerror(err);
      exit.code = 126;
    }
  }
  return exit;
}

base::Result<std::unique_ptr<ExecProcess>> SpawnExec(const ExecSpec& spec) {
  if (spec.argv.empty()) return base::Error::Invalid("no command given");
  auto init = sys::PidfdOpen(spec.init_pid);
  if (!init) return base::Error::NotFound("the container's init is gone");
  std::vector<base::UniqueFd> cgroups;
  for (const auto& f : spec.cgroup_procs) cgroups.push_back(TRY(sys::Open(f, O_WRONLY)));
  auto pid_pipe = TRY(sys::Pipe(O_CLOEXEC));
  auto err_pipe = TRY(sys::Pipe(O_CLOEXEC));

  std::vector<std::string> candidates = Candidates(spec);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* cwd = spec.cwd.empty() ? "/" : spec.cwd.c_str();
  int ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
           CLONE_NEWCGROUP | (spec.privileged ? 0 : CLONE_NEWUSER);

  pid_t helper = ::fork();
  if (helper < 0) return base::Error::FromErrno("fork (exec)", errno);
  if (helper == 0) {
    // Async-signal-safe calls only from here on.
    for (auto& fd : cgroups) {
      if (::write(fd.get(), "0", 1) < 0) ::_exit(125);
    }
    if (::setns(init->get(), ns) < 0) ::_exit(125);
    pid_t command = ::fork();
    if (command < 0) ::_exit(125);
    if (command == 0) {
      ::setsid();
      if (spec.tty) ::ioctl(spec.stdin_fd, TIOCSCTTY, 0);
      ::dup2(spec.stdin_fd, 0);
      ::dup2(spec.stdout_fd, 1);
      ::dup2(spec.stderr_fd, 2);
      ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
      if (!spec.privileged) {
        gid_t gid = spec.gid;
        if (::setgroups(0, nullptr) < 0 || ::setresgid(gid, gid, gid) < 0 ||
            ::setresuid(spec.uid, spec.uid, spec.uid) < 0) {
          int e = errno;
          (void)!::write(err_pipe.write.get(), &e, sizeof e);
          ::_exit(126);
        }
      }
      if (::chdir(cwd) < 0) (void)!::chdir("/");
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      int err = ENOENT;
      for (const auto& c : candidates) {
        ::execve(c.c_str(), argv.data(), envp.data());
        if (errno != ENOENT || err == ENOENT) err = errno == ENOTDIR ? ENOENT : errno;
      }
      (void)!::write(err_pipe.write.get(), &err, sizeof err);
      ::_exit(err == ENOENT ? 127 : 126);
    }
    // This helper outlives the exec'd command's start: keep none of the daemon's
    // descriptors (a copy of an exec session's stdin pipe would hold it open).
    int keep = pid_pipe.write.get();
    if (keep > 3) ::syscall(SYS_close_range, 3, keep - 1, 0);
    ::syscall(SYS_close_range, keep + 1, ~0U, 0);
    (void)!::write(keep, &command, sizeof command);
    ::close(keep);
    int status = 0;
    while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(ExitCode(status));
  }
  pid_pipe.write.reset();
  err_pipe.write.reset();
  pid_t command = 0;
  base::UniqueFd pidfd;
  if (::read(pid_pipe.read.get(), &command, sizeof command) == sizeof command) {
    pidfd = sys::PidfdOpen(command).value_or(base::UniqueFd());
  }
  return std::make_unique<ExecProcess>(helper, command, std::move(pidfd), std::move(err_pipe.read));
}

}  // namespace nest::runtime
