// The per-container monitor: its own process and session, independent of nestd.
// It starts the container, keeps its console log, waits for its init to exit,
// records why, and removes the container's cgroup.
#pragma once

#include <string>

namespace nest::runtime {

// Runs the monitor for the container in `container_dir` (reads start.json there).
// Reports on `status_fd` one line, "ok <init_pid>" once the init has been exec'd
// or "error <message>", then closes it. The container's cgroups are made by
// nestd while this process starts (LaunchMonitor): one byte "1" on
// `cgroups_fd` hands them over, and from then on they are the monitor's to
// remove; EOF without it fails the start. Returns the process exit code.
int RunMonitor(const std::string& container_dir, int status_fd, int cgroups_fd);

}  // namespace nest::runtime
