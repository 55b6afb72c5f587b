// One container's cgroup, across every cgroup hierarchy the host has mounted.
//
// A host mounts cgroups as v1 controller hierarchies, as one unified v2 tree, or
// both (a "hybrid" host such as this project's CI machine: v1 controllers plus a
// v2 tree holding only hugetlb). Each mounted hierarchy is a `CgroupHierarchy`
// backend (v1 or v2) chosen by filesystem type; `ContainerCgroup` drives them all.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace nest::runtime {

// How a hierarchy is mounted on the host, as read from /proc/self/mountinfo.
struct HierarchyMount {
  std::string mount_point;  // e.g. /sys/fs/cgroup/cpu, or /sys/fs/cgroup for pure v2
  std::string fstype;       // "cgroup" or "cgroup2"
  std::string options;      // v1 super options naming the controllers: "rw,cpu", "rw,name=systemd"
};

// Parses mountinfo text into the cgroup hierarchies mounted on the host.
std::vector<HierarchyMount> ParseCgroupMounts(const std::string& mountinfo);

class CgroupHierarchy {
 public:
  virtual ~CgroupHierarchy() = default;
  // Creates <mount>/<rel> (and missing parents), delegated to owner uid/gid so the
  // container's root can manage its own subtree.
  virtual base::Status Create(const std::string& rel, uid_t owner_uid, gid_t owner_gid) = 0;
  // Absolute path of <rel>'s cgroup.procs file.
  virtual std::string ProcsFile(const std::string& rel) const = 0;
  // Removes <rel> and every child cgroup below it, deepest first. ENOENT is success.
  virtual base::Status Remove(const std::string& rel) = 0;
  // The host mount this backend drives.
  virtual const HierarchyMount& mount() const = 0;
  // The directory name used under /sys/fs/cgroup inside the container ("" = the
  // cgroup2 tree mounted at /sys/fs/cgroup itself, on a pure v2 host).
  virtual std::string InsideName() const = 0;
  // fstype and options for mounting this hierarchy inside the container.
  virtual std::string InsideFstype() const = 0;
  virtual std::string InsideOptions() const = 0;
  // The file counting memory use in bytes ("" when this hierarchy has none).
  virtual std::string MemoryUsageFile(const std::string& rel) const = 0;
  // CPU time used by <rel> in nanoseconds, or -1 when this hierarchy does not count it.
  virtual long long CpuUsageNanos(const std::string& rel) const = 0;
};

// Backend registry: name ("cgroup" | "cgroup2") → factory.
std::unique_ptr<CgroupHierarchy> MakeHierarchy(const HierarchyMount& mount);

// Every hierarchy of this host, detected once from /proc/self/mountinfo.
base::Result<std::vector<std::shared_ptr<CgroupHierarchy>>> DetectHierarchies();

// Removes the directory <rel> from every hierarchy where it has no child cgroup
// left (a plain rmdir: a cgroup still holding containers is kept). nestd's own
// parent cgroup ("nest", "nest-<hash>") goes this way when nestd stops, so test
// daemons and stopped ones leave no empty cgroups behind.
void RemoveIfEmpty(const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies,
                   const std::string& rel);

// The cgroup named `rel` (e.g. "nest/c1") in every hierarchy.
class ContainerCgroup {
 public:
  ContainerCgroup(std::vector<std::shared_ptr<CgroupHierarchy>> hierarchies, std::string rel)
      : hierarchies_(std::move(hierarchies)), rel_(std::move(rel)) {}

  // Creates it everywhere; on failure removes what it made.
  base::Status Create(uid_t owner_uid, gid_t owner_gid);
  // Moves pid into it in every hierarchy.
  base::Status AddProcess(pid_t pid);
  // cgroup.procs of every hierarchy (an exec helper writes "0" into each to join).
  std::vector<std::string> ProcsFiles() const;
  base::Status Remove();
  // Host pids of every process in the container's cgroup and its descendants.
  std::vector<pid_t> Pids() const;
  // Memory in use in bytes, or -1 when no hierarchy counts it.
  long long MemoryUsage() const;
  // CPU time used in nanoseconds, or -1 when no hierarchy counts it.
  long long CpuUsage() const;
  const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies() const { return hierarchies_; }
  const std::string& rel() const { return rel_; }

 private:
  std::vector<std::shared_ptr<CgroupHierarchy>> hierarchies_;
  std::string rel_;
};

}  // namespace nest::runtime
