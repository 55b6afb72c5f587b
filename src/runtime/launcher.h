// Daemon side of start and stop: hands a StartPlan to a new monitor process and
// stops a running container through its init.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/cgroup.h"
#include "runtime/monitor_starter.h"
#include "runtime/running_state.h"
#include "runtime/start_plan.h"

namespace nest::runtime {

// Writes the plan, gives the container to a monitor from `monitors` (the spare
// when there is one), makes the container's cgroup in `hierarchies` while the
// monitor prepares the init and hands it over (RunMonitor), then waits until
// the monitor reports the init running. Errors carry the monitor's own message
// (e.g. "mounting rootfs: ..."). On an error the cgroup may be left: the
// caller removes it. Safe to call from a multi-threaded process.
base::Result<RunningState> LaunchMonitor(
    const StartPlan& plan, MonitorStarter& monitors,
    const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies);

// Asks the init to shut down with its stop signal (force: SIGKILL at once), waits
// up to timeout_ms for the monitor to finish, then kills the init and waits for
// the monitor's cleanup. Returns once the container is stopped and cleaned up.
base::Status StopContainer(const RunningState& state, bool force, int timeout_ms);

// Waits until the process exits (pidfd poll); false on timeout.
bool WaitPidExit(int pidfd, int timeout_ms);

}  // namespace nest::runtime
