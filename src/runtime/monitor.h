// The per-container monitor: its own process and session, independent of nestd.
// It starts the container, keeps its console log, waits for its init to exit,
// records why, and removes the container's cgroup.
#pragma once

#include <span>

namespace nest::runtime {

// Runs a monitor started by MonitorStarter. It prepares what no container
// decides (its console, the host's cgroup hierarchies and /dev clones, an init
// cloned into new namespaces), then waits on `job_fd` for the directory of
// its container (EOF: none, it exits 0), writes it over `title` (the room left
// in its command line for it) and starts the container from start.json there.
// Reports on `status_fd` one line, "ok <RunningState JSON>" (as written to
// running.json) once the init has been exec'd, or "error <message>", then
// closes it. The container's cgroups are made by nestd while this process
// reads the plan and maps the init's ids (LaunchMonitor): one byte "1" on
// `cgroups_fd` hands them over, and from then on they are the monitor's to
// remove; EOF without it fails the start. Returns the process exit code.
int RunMonitor(std::span<char> title, int status_fd, int cgroups_fd, int job_fd);

}  // namespace nest::runtime
