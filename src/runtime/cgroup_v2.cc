// cgroup v2: the unified tree. Pure v2 hosts mount it at /sys/fs/cgroup; hybrid
// hosts at /sys/fs/cgroup/unified beside the v1 hierarchies.
#include <unistd.h>

#include "base/strings.h"
#include "runtime/cgroup_backends.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

class V2Hierarchy : public CgroupHierarchy {
 public:
  explicit V2Hierarchy(HierarchyMount mount) : mount_(std::move(mount)) {}

  base::Status Create(const std::string& rel, uid_t uid, gid_t gid) override {
    std::string path = mount_.mount_point;
    for (const auto& part : base::Split(rel, '/')) {
      EnableControllers(path);
      path += "/" + part;
      TRY(sys::Mkdir(path, 0755));
    }
    // Delegation as in cgroups(7) "Delegation": the directory and its
    // cgroup.procs, cgroup.threads and cgroup.subtree_control files.
    return ChownDelegated(path, {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control"}, uid,
                          gid);
  }

  std::string ProcsFile(const std::string& rel) const override {
    return mount_.mount_point + "/" + rel + "/cgroup.procs";
  }
  base::Status Remove(const std::string& rel) override {
    return RemoveCgroupTree(mount_.mount_point + "/" + rel);
  }
  const HierarchyMount& mount() const override { return mount_; }
  std::string InsideName() const override {
    if (mount_.mount_point == "/sys/fs/cgroup") return "";
    return mount_.mount_point.substr(mount_.mount_point.rfind('/') + 1);
  }
  std::string InsideFstype() const override { return "cgroup2"; }
  std::string InsideOptions() const override { return ""; }
  long long CpuUsageNanos(const std::string& rel) const override {
    auto text = sys::ReadFile(mount_.mount_point + "/" + rel + "/cpu.stat");
    if (!text) return -1;
    for (const auto& line : base::Split(*text, '\n')) {
      long long usec;
      if (base::StartsWith(line, "usage_usec ") && base::ParseInt64(line.substr(11), &usec))
        return usec * 1000;
    }
    return -1;
  }
  std::string MemoryUsageFile(const std::string& rel) const override {
    std::string f = mount_.mount_point + "/" + rel + "/memory.current";
    return sys::Exists(f) ? f : "";
  }

 private:
  // Best effort: a controller another manager holds (or that has processes in the
  // parent, the "no internal processes" rule) is simply not delegated.
  static void EnableControllers(const std::string& dir) {
    auto available = sys::ReadFile(dir + "/cgroup.controllers");
    if (!available) return;
    for (const auto& c : base::Split(std::string(base::Trim(*available)), ' ')) {
      if (!c.empty()) (void)sys::WriteFile(dir + "/cgroup.subtree_control", "+" + c);
    }
  }

  HierarchyMount mount_;
};

}  // namespace

std::unique_ptr<CgroupHierarchy> MakeV2Hierarchy(const HierarchyMount& mount) {
  return std::make_unique<V2Hierarchy>(mount);
}

}  // namespace nest::runtime
