// The container side of a start: runs in the freshly cloned init process, inside
// its new namespaces, and ends by exec'ing the container's init.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup.h"
#include "runtime/start_plan.h"

namespace nest::runtime {

// Wire protocol on `sock` (a unix socketpair with the monitor), in this order:
//   monitor → child: kSyncIdsMapped once the id maps are written; then
//   (unprivileged overlay only) two fds: the idmapped image tree and the idmapped
//   overlay directory. The child builds its root meanwhile the monitor moves it
//   into its cgroups; kSyncCgroupJoined once it is in them (the child then
//   makes its cgroup namespace and mounts the cgroup trees).
//   child → monitor: nothing on success (the socket closes on exec), or one error
//   text on failure, after which the child exits.
inline constexpr char kSyncIdsMapped = 'g';
inline constexpr char kSyncCgroupJoined = 'c';
[[noreturn]] void RunContainerChild(const StartPlan& plan, int sock,
                                    const std::string& console_path,
                                    const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups);

}  // namespace nest::runtime
