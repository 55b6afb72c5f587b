// The container side of a start: runs in the freshly cloned init process, inside
// its new namespaces, and ends by exec'ing the container's init.
#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup.h"
#include "runtime/start_plan.h"

namespace nest::runtime {

// Wire protocol on `sock` (a unix socketpair with the monitor):
//   monitor → child: one byte once the id maps are written and the child is in its
//   cgroup; then (unprivileged only) two fds: the idmapped image tree and the
//   idmapped overlay directory.
//   child → monitor: nothing on success (the socket closes on exec), or one error
//   text on failure, after which the child exits.
[[noreturn]] void RunContainerChild(const StartPlan& plan, int sock,
                                    const std::string& console_path,
                                    const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups);

}  // namespace nest::runtime
