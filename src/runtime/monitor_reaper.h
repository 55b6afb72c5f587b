// MonitorReaper: collects the exit status of the monitors nestd starts. A
// monitor is nestd's own child (posix_spawn, in a session of its own): no
// second fork at each start. When nestd dies, init adopts it instead.
#pragma once

#include <sys/types.h>

namespace nest::runtime {

class MonitorReaper {
 public:
  // The process-wide reaper; its thread starts at the first Adopt.
  static MonitorReaper& Get();

  // Reaps `pid` (a child of this process) once it exits. Thread-safe. Only
  // adopted children are reaped: others (exec'd commands) keep their status
  // for whoever waits on them.
  void Adopt(pid_t pid);

  MonitorReaper(const MonitorReaper&) = delete;
  MonitorReaper& operator=(const MonitorReaper&) = delete;

 private:
  MonitorReaper() = default;
  void Run();

  struct State;
  State* state_ = nullptr;  // created with the thread, never freed (process lifetime)
};

}  // namespace nest::runtime
