// The two cgroup backends behind CgroupHierarchy (see cgroup.h).
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <memory>

#include "runtime/cgroup.h"

namespace nest::runtime {

std::unique_ptr<CgroupHierarchy> MakeV1Hierarchy(const HierarchyMount& mount);
std::unique_ptr<CgroupHierarchy> MakeV2Hierarchy(const HierarchyMount& mount);

// Shared by both backends: rmdir of `dir` and every cgroup below it, deepest first;
// retried briefly because a cgroup whose last task is exiting is still busy.
base::Status RemoveCgroupTree(const std::string& dir);

// Delegation to the container's root (cgroups(7) "Delegation"): chowns `dir`
// and those of `files` (names inside it) the hierarchy has. One system call a
// file, no existence check first: a start makes ~10 cgroups.
base::Status ChownDelegated(const std::string& dir, std::initializer_list<const char*> files,
                            uid_t uid, gid_t gid);

}  // namespace nest::runtime
