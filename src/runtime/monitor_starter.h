// Starting nest-monitor processes, one kept started ahead of the next launch.
//
// A monitor starts by exec and initialization (~2 ms on this VM: a static-PIE's
// relocation, glibc's CPU probes), then prepares what no container decides (its
// console, the host's cgroup hierarchies) and waits for the directory of the
// container it is to run (RunMonitor). MonitorStarter keeps one such spare
// waiting, started at idle priority while nothing else runs, so a launch does
// not wait for a monitor to start.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/activity.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::runtime {

// A started monitor that has not been given a container yet, with the ends of
// its three pipes nestd keeps (RunMonitor's fds 3, 4 and 5).
struct IdleMonitor {
  pid_t pid = 0;
  base::UniqueFd status;   // read: "ok <init pid>" or "error <message>"
  base::UniqueFd cgroups;  // write: "1" once the container's cgroups are made
  base::UniqueFd job;      // write: the container's directory, one line
};

// The monitor's command line until it is given a container: "--spare" and room
// to write the container's directory over it, so `ps` and FindRunning show
// "nest-monitor <container dir>" (no prctl needed: that takes CAP_SYS_RESOURCE).
inline constexpr const char* kSpareArg = "--spare";
inline constexpr size_t kSpareTitleRoom = 4096 + 64;

class MonitorStarter {
 public:
  // Starts the first spare in the background. `path`: the nest-monitor binary.
  explicit MonitorStarter(std::string path, const base::Activity* activity = nullptr);
  ~MonitorStarter();
  MonitorStarter(const MonitorStarter&) = delete;
  MonitorStarter& operator=(const MonitorStarter&) = delete;

  const std::string& path() const { return path_; }

  // A monitor to give a container: the spare when it is still waiting (put
  // back at normal priority), else one started now. Errors: the monitor cannot
  // be started (its path and errno). Safe to call from any thread.
  base::Result<IdleMonitor> Take();
  // Starts the next spare in the background, at idle priority, once kQuiet
  // has passed since this call with no command running (counted in the
  // Activity given, if any) and none ended within kQuiet; kMaxDefer after
  // this call at the latest. Called once the launch that took the last spare
  // has its answer.
  //
  // Why wait: the spare's start-up is ~5 ms of CPU, most of it in the kernel
  // (its exec, the clone of its init's namespaces), where idle priority does
  // not yield on this non-preemptible kernel. Started at the launch's answer,
  // it ran beside the command a script runs next (launch then exec: +2 to
  // +2.5 ms). kQuiet is longer than the gap between two commands of a script
  // (the client's exit, the shell's fork, the next client's start: 2-5 ms
  // here). Only commands (nest exec) hold the spare off: a delete or a launch
  // that follows does not, so a loop of launches still finds its spare ready
  // (counting every API request instead made each launch of a tight loop
  // start its own monitor, +2.4 ms).
  void Refill();

 private:
  void Keep();  // the keeper thread: starts a spare whenever one is wanted

  static constexpr std::chrono::milliseconds kQuiet{8};
  static constexpr std::chrono::milliseconds kMaxDefer{100};  // a long exec does not hold it off
  static constexpr std::chrono::milliseconds kPoll{1};        // the keeper's look at the activity

  const std::string path_;
  const base::Activity* const activity_;  // null: start spares at once
  std::mutex mu_;
  std::condition_variable wanted_;
  std::optional<IdleMonitor> spare_;  // protected by mu_
  bool want_spare_ = true;            // protected by mu_
  bool stopping_ = false;             // protected by mu_
  std::thread keeper_;
};

// Starts `path` as an idle monitor now, at the calling thread's priority, in a
// session of its own, collected by ReapMonitorWhenDone when it exits.
base::Result<IdleMonitor> StartMonitor(const std::string& path);

}  // namespace nest::runtime
