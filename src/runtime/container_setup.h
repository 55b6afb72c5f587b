// The container side of a start: runs in the freshly cloned init process, inside
// its new namespaces, and ends by exec'ing the container's init.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/start_plan.h"

namespace nest::runtime {

// Detached copies of the host objects a container gets (/dev nodes, its
// console) and the host's /sys/fs/cgroup symlinks. Taken by the monitor
// before it clones the init (none depends on the container), so the init's
// set-up does not wait for them.
struct HostObjects {
  std::map<std::string, base::UniqueFd> devices;  // name under /dev → detached bind
  base::UniqueFd console;
  std::vector<std::pair<std::string, std::string>> cgroup_links;  // name → target
};
base::Result<HostObjects> CloneHostObjects(const std::string& console_path);

// Wire protocol on `sock` (a unix socketpair with the monitor), in this order:
//   monitor → child: the start plan (SendPlan), when the monitor has been given
//   its container; the child may be cloned long before that (a spare monitor's
//   init, MonitorStarter), and exits quietly if the socket closes first. Then
//   kSyncIdsMapped once the id maps are written; then (unprivileged overlay
//   only) two fds: the idmapped image tree and the idmapped overlay directory.
//   The child builds its root meanwhile the monitor moves it into its cgroups;
//   kSyncCgroupJoined once it is in them (the child then makes its cgroup
//   namespace and mounts the cgroup trees).
//   child → monitor: nothing on success (the socket closes on exec), or one error
//   text on failure, after which the child exits.
// The child makes its mount namespace itself once it has the plan (private, a
// copy of the host's as it is then), so a child cloned ahead pins no mounts.
inline constexpr char kSyncIdsMapped = 'g';
inline constexpr char kSyncCgroupJoined = 'c';
// The init's side: `host` from CloneHostObjects, inherited at the clone.
[[noreturn]] void RunContainerChild(int sock, HostObjects host,
                                    const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups);

// The monitor's first message: `plan_text` (SerializePlan's), length first.
base::Status SendPlan(int sock, const std::string& plan_text);

}  // namespace nest::runtime
