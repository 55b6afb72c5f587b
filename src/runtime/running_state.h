// What a running container's monitor records in $container_dir/running.json, and
// how the daemon finds a running container again (also after its own restart).
#pragma once

#include <sys/types.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::runtime {

struct RunningState {
  pid_t monitor_pid = 0;
  pid_t init_pid = 0;
  long long started_at = 0;  // unix nanoseconds
  int stop_signal = 0;       // what asks this init to shut down cleanly
};

std::string SerializeRunning(const RunningState& s);
base::Result<RunningState> ParseRunning(const std::string& json);

// The running state of the container in `container_dir`, or nullopt when it is not
// running: no state file, or its monitor is gone or is not this container's.
std::optional<RunningState> FindRunning(const std::string& container_dir);

// FindRunning with a memory: a state once found is kept with a pidfd of its
// monitor. The state file does not change while that monitor lives, so a
// lookup is a poll of the pidfd and a stat of the file (the monitor removes it
// as it cleans up), not two files read and parsed. Thread-safe.
class RunningCache {
 public:
  std::optional<RunningState> Find(const std::string& container_dir);

 private:
  struct Known {
    RunningState state;
    base::UniqueFd monitor;  // pidfd
  };
  std::mutex mu_;
  std::map<std::string, Known> known_;  // protected by mu_; by container directory
};

}  // namespace nest::runtime
