#include "runtime/launcher.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/strings.h"
#include "runtime/cgroup.h"
#include "sys/syscalls.h"

namespace nest::runtime {

base::Result<RunningState> LaunchMonitor(
    const StartPlan& plan, MonitorStarter& monitors,
    const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies) {
  TRY(sys::WriteFileAtomic(plan.PlanFile(), SerializePlan(plan), 0600));
  IdleMonitor monitor = TRY(monitors.Take());
  // A monitor that has exited meanwhile leaves its message on the status pipe.
  (void)sys::WriteFd(monitor.job.get(), plan.container_dir + "\n");
  monitor.job.reset();

  // The cgroups are made here while the monitor reads the plan and maps the
  // init's ids, not by the monitor after that (where they took 1-3 ms of the
  // launch's critical path).
  base::Status made =
      ContainerCgroup(hierarchies, plan.cgroup).Create(plan.RootUid(), plan.RootGid());
  if (made) (void)!::write(monitor.cgroups.get(), "1", 1);
  monitor.cgroups.reset();  // without the byte: the monitor fails its start

  std::string line;
  char buf[4096];
  struct pollfd pfd = {monitor.status.get(), POLLIN, 0};
  while (true) {
    int r = ::poll(&pfd, 1, 60000);
    if (r == 0) return base::Error::Internal("monitor did not report within 60 s");
    if (r < 0 && errno == EINTR) continue;
    ssize_t n = ::read(monitor.status.get(), buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, n);
    if (line.find('\n') != std::string::npos) break;
  }
  monitors.Refill();  // now, not at the Take (see MonitorStarter::Refill)
  line = std::string(base::Trim(line));
  if (!made) {
    base::Error e = std::move(made).error();
    e.Context("creating the container's cgroup");
    return e;
  }
  if (base::StartsWith(line, "error ")) return base::Error::Internal(line.substr(6));
  if (!base::StartsWith(line, "ok ")) {
    return base::Error::Internal("monitor " + monitors.path() + " exited without reporting (" +
                                 (line.empty() ? "no output" : line) + ")");
  }
  // The state it wrote to running.json, so nothing is read back here.
  return TRY_CTX(ParseRunning(line.substr(3)), "monitor " + monitors.path() + " reported");
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
