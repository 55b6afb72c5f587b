// Signal dispositions that must not pass from nest's processes to a container's.
//
// An ignored signal (SIG_IGN) stays ignored across execve. nestd and the monitor
// ignore SIGPIPE, and nestd may have been started with more ignored (SIGINT and
// SIGQUIT from a script's `nestd &`, SIGHUP from nohup). A container's init and
// every command exec'd in it must start with the default actions, as on a login:
// otherwise `yes | head -1` reports "Broken pipe" instead of ending quietly, and
// a shell cannot even trap a signal it was started with ignored.
#pragma once

#include <vector>

namespace nest::runtime {

// The signals this process ignores, asked of the kernel at the first call (one
// system call per signal) and kept: call it once the process has set its own
// dispositions, before it starts threads; they must not change afterwards.
const std::vector<int>& IgnoredSignals();

// Puts each of `signals` back to its default action. Async-signal-safe and
// leaves errno alone: for a child between its clone and its execve.
void RestoreDefaultActions(const std::vector<int>& signals);

}  // namespace nest::runtime
