#include "runtime/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/strings.h"
#include "runtime/cgroup.h"
#include "runtime/monitor_reaper.h"
#include "runtime/vfork.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

struct MonitorSpawn {
  const char* path;
  char** argv;
  int status_fd;
  int cgroups_fd;
  int exec_errno = 0;  // written by the child when it could not start the monitor
};

// The monitor's side of the spawn, on our memory until its execve: stdin
// /dev/null, the status pipe as fd 3, the cgroups' hand-over as fd 4, nothing
// else open, a session of its own, no signal blocked.
int MonitorChild(void* arg) {
  auto* m = static_cast<MonitorSpawn*>(arg);
  int null = ::open("/dev/null", O_RDWR);
  // Above 4 first, so that neither dup2 below overwrites the other's source.
  int status = ::fcntl(m->status_fd, F_DUPFD, 5);
  int cgroups = ::fcntl(m->cgroups_fd, F_DUPFD, 5);
  if (null < 0 || status < 0 || cgroups < 0 || ::dup2(null, 0) < 0 || ::dup2(status, 3) < 0 ||
      ::dup2(cgroups, 4) < 0) {
    m->exec_errno = errno;
    ::_exit(127);
  }
  ::syscall(SYS_close_range, 5, ~0U, 0);
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(m->path, m->argv, environ);
  m->exec_errno = errno;
  ::_exit(127);
}

// Starts the monitor vfork-style. Not posix_spawn: glibc's child resets, one
// sigaction call each, every signal the calling thread blocks (all of them in
// nestd's workers), 128 system calls before the exec: launch measured 1.1 ms
// faster without them on this VM.
base::Result<pid_t> SpawnMonitor(const std::string& path, char** argv, int status_fd,
                                 int cgroups_fd) {
  MonitorSpawn m{path.c_str(), argv, status_fd, cgroups_fd};
  pid_t child = TRY(VforkClone(MonitorChild, &m, "starting " + path));
  if (m.exec_errno != 0) {
    ::waitpid(child, nullptr, 0);
    return base::Error::FromErrno("starting " + path, m.exec_errno);
  }
  return child;
}

}  // namespace

base::Result<RunningState> LaunchMonitor(
    const StartPlan& plan, const std::string& monitor_path,
    const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies) {
  TRY(sys::WriteFileAtomic(plan.PlanFile(), SerializePlan(plan), 0600));
  auto status = TRY(sys::Pipe(O_CLOEXEC));
  auto cgroups = TRY(sys::Pipe(O_CLOEXEC));

  // The reaper collects the monitor when it exits.
  std::string arg0 = "nest-monitor";
  std::string dir = plan.container_dir;
  char* argv[] = {arg0.data(), dir.data(), nullptr};
  pid_t child = TRY(SpawnMonitor(monitor_path, argv, status.write.get(), cgroups.read.get()));
  ReapMonitorWhenDone(child);
  status.write.reset();
  cgroups.read.reset();

  // The cgroups are made here while the monitor execs and initializes (~2 ms
  // on this VM, a core otherwise idle), not by the monitor after it has
  // cloned the init (where they took 1-3 ms of the launch's critical path).
  base::Status made =
      ContainerCgroup(hierarchies, plan.cgroup).Create(plan.RootUid(), plan.RootGid());
  if (made) (void)!::write(cgroups.write.get(), "1", 1);
  cgroups.write.reset();  // without the byte: the monitor fails its start

  std::string line;
  char buf[4096];
  struct pollfd pfd = {status.read.get(), POLLIN, 0};
  while (true) {
    int r = ::poll(&pfd, 1, 60000);
    if (r == 0) return base::Error::Internal("monitor did not report within 60 s");
    if (r < 0 && errno == EINTR) continue;
    ssize_t n = ::read(status.read.get(), buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, n);
    if (line.find('\n') != std::string::npos) break;
  }
  line = std::string(base::Trim(line));
  if (!made) {
    base::Error e = std::move(made).error();
    e.Context("creating the container's cgroup");
    return e;
  }
  if (base::StartsWith(line, "error ")) return base::Error::Internal(line.substr(6));
  if (!base::StartsWith(line, "ok ")) {
    return base::Error::Internal("monitor " + monitor_path + " exited without reporting (" +
                                 (line.empty() ? "no output" : line) + ")");
  }
  auto state = FindRunning(plan.container_dir);
  if (!state) return base::Error::Internal("container stopped right after starting");
  return *state;
}

bool WaitPidExit(int pidfd, int timeout_ms) {
  struct pollfd pfd = {pidfd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int left = timeout_ms < 0
                   ? -1
                   : static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count());
    if (timeout_ms >= 0 && left < 0) left = 0;
    int r = ::poll(&pfd, 1, left);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

base::Status StopContainer(const RunningState& state, bool force, int timeout_ms) {
  auto monitor = sys::PidfdOpen(state.monitor_pid);
  if (!monitor) return base::Ok();  // already gone
  auto init = sys::PidfdOpen(state.init_pid);
  if (init) {
    int sig = force ? SIGKILL : (state.stop_signal ? state.stop_signal : SIGPWR);
    (void)sys::PidfdSendSignal(init->get(), sig);
    if (!force && !WaitPidExit(monitor->get(), timeout_ms)) {
      (void)sys::PidfdSendSignal(init->get(), SIGKILL);
    }
  }
  if (!WaitPidExit(monitor->get(), 30000)) {
    return base::Error::Internal("monitor " + std::to_string(state.monitor_pid) +
                                 " did not finish within 30 s after its init was killed");
  }
  return base::Ok();
}

}  // namespace nest::runtime
