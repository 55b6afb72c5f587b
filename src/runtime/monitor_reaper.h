// The reaper of the monitors nestd starts. A monitor is nestd's own child
// (posix_spawn, in a session of its own): no second fork at each start. When
// nestd dies, init adopts it instead.
#pragma once

#include <sys/types.h>

namespace nest::runtime {

// Reaps `pid` (a child of this process) once it exits, on one background
// thread for all of them (started at the first call). Thread-safe. Only
// children passed here are reaped: others (exec'd commands) keep their status
// for whoever waits on them.
void ReapMonitorWhenDone(pid_t pid);

}  // namespace nest::runtime
