// The two cgroup backends behind CgroupHierarchy (see cgroup.h).
#pragma once

#include <memory>

#include "runtime/cgroup.h"

namespace nest::runtime {

std::unique_ptr<CgroupHierarchy> MakeV1Hierarchy(const HierarchyMount& mount);
std::unique_ptr<CgroupHierarchy> MakeV2Hierarchy(const HierarchyMount& mount);

// Shared by both backends: rmdir of `dir` and every cgroup below it, deepest first;
// retried briefly because a cgroup whose last task is exiting is still busy.
base::Status RemoveCgroupTree(const std::string& dir);

}  // namespace nest::runtime
