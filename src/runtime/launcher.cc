#include "runtime/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "base/strings.h"
#include "runtime/monitor_reaper.h"
#include "sys/syscalls.h"

namespace nest::runtime {

base::Result<RunningState> LaunchMonitor(const StartPlan& plan, const std::string& monitor_path) {
  TRY(sys::WriteFileAtomic(plan.PlanFile(), SerializePlan(plan), 0600));
  auto status = TRY(sys::Pipe(O_CLOEXEC));

  // posix_spawn creates the child vfork-style (nothing of the daemon's memory is
  // copied), in a session of its own; the reaper collects it when it exits.
  std::string arg0 = "nest-monitor";
  std::string dir = plan.container_dir;
  char* argv[] = {arg0.data(), dir.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_adddup2(&actions, status.write.get(), 3);
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  pid_t child = -1;
  int rc = ::posix_spawn(&child, monitor_path.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return base::Error::FromErrno("starting " + monitor_path, rc);
  ReapMonitorWhenDone(child);
  status.write.reset();

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
