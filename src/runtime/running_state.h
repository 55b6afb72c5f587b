// What a running container's monitor records in $container_dir/running.json, and
// how the daemon finds a running container again (also after its own restart).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/exec.h"

namespace nest::runtime {

struct RunningState {
  pid_t monitor_pid = 0;
  pid_t init_pid = 0;
  long long started_at = 0;  // unix nanoseconds
  int stop_signal = 0;       // what asks this init to shut down cleanly

  bool operator==(const RunningState&) const = default;  // the same run of a container
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
  explicit RunningCache(size_t joins_kept = 32) : joins_kept_(joins_kept) {}

  std::optional<RunningState> Find(const std::string& container_dir);
  // Keeps `state`, just reported by the container's monitor as it started it
  // (so the next Find reads no file); ignored if that monitor is already gone.
  void Remember(const std::string& container_dir, const RunningState& state);

  // What a command spawned in the container `state` (as Find gave it) joins:
  // made by `open` at the first call and kept with the state until its monitor
  // exits, so each further spawn opens nothing (an init pidfd and 10
  // cgroup.procs files on a v1 host: ~0.15 ms). Not kept when `state` is no
  // longer the one known (the container was restarted since). Kept for the
  // `joins_kept` containers used last: the descriptors stay well inside the
  // usual soft limit of 1024 open files whatever the number of containers.
  base::Result<std::shared_ptr<const JoinTarget>> Join(
      const std::string& container_dir, const RunningState& state,
      const std::function<base::Result<JoinTarget>()>& open);

 private:
  struct Known {
    RunningState state;
    base::UniqueFd monitor;  // pidfd
    std::shared_ptr<const JoinTarget> join;
    uint64_t join_used = 0;  // use_clock_ at its last use
  };
  // Keeps `state` with its monitor's pidfd, and forgets the entries whose
  // monitor has exited.
  void KeepLocked(const std::string& container_dir, const RunningState& state,
                  base::UniqueFd monitor);
  // Drops the least recently used join while more than joins_kept_ are kept.
  void TrimJoinsLocked();

  const size_t joins_kept_;
  uint64_t use_clock_ = 0;  // protected by mu_
  std::mutex mu_;
  std::map<std::string, Known> known_;  // protected by mu_; by container directory
};

}  // namespace nest::runtime
