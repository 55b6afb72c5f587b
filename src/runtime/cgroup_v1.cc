// cgroup v1: one hierarchy per mounted controller set (cpu, cpuacct, memory, name=systemd…).
#include <dirent.h>
#include <unistd.h>

#include "base/strings.h"
#include "runtime/cgroup_backends.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

class V1Hierarchy : public CgroupHierarchy {
 public:
  explicit V1Hierarchy(HierarchyMount mount) : mount_(std::move(mount)) {
    for (const auto& opt : base::Split(mount_.options, ',')) {
      if (opt == "rw" || opt == "ro" || opt.empty()) continue;
      controllers_.push_back(opt);
    }
  }

  base::Status Create(const std::string& rel, uid_t uid, gid_t gid) override {
    std::string path = mount_.mount_point;
    bool cpuset = IsCpuset();
    for (const auto& part : base::Split(rel, '/')) {
      std::string parent = path;
      path += "/" + part;
      bool existed = cpuset && sys::Exists(path);
      TRY(sys::Mkdir(path, 0755));
      // A new cpuset cgroup starts with no cpus or mems and refuses tasks: inherit.
      if (cpuset && !existed) {
        for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
          auto value = TRY(sys::ReadFile(parent + "/" + f));
          TRY(sys::WriteFile(path + "/" + f, value));
        }
      }
    }
    return ChownDelegated(
        path, {"cgroup.procs", "tasks", "cgroup.clone_children", "notify_on_release"}, uid, gid);
  }

  std::string ProcsFile(const std::string& rel) const override {
    return mount_.mount_point + "/" + rel + "/cgroup.procs";
  }

  base::Status Remove(const std::string& rel) override {
    return RemoveCgroupTree(mount_.mount_point + "/" + rel);
  }

  const HierarchyMount& mount() const override { return mount_; }

  std::string InsideName() const override {
    std::string base = mount_.mount_point.substr(mount_.mount_point.rfind('/') + 1);
    return base;
  }
  std::string InsideFstype() const override { return "cgroup"; }
  std::string InsideOptions() const override {
    std::vector<std::string> opts;
    for (const auto& c : controllers_) {
      if (base::StartsWith(c, "name=") || IsController(c)) opts.push_back(c);
    }
    return base::Join(opts, ",");
  }
  long long CpuUsageNanos(const std::string& rel) const override {
    for (const auto& c : controllers_) {
      if (c != "cpuacct") continue;
      auto text = sys::ReadFile(mount_.mount_point + "/" + rel + "/cpuacct.usage");
      long long v;
      if (text && base::ParseInt64(base::Trim(*text), &v)) return v;
    }
    return -1;
  }
  std::string MemoryUsageFile(const std::string& rel) const override {
    for (const auto& c : controllers_) {
      if (c == "memory") return mount_.mount_point + "/" + rel + "/memory.usage_in_bytes";
    }
    return "";
  }

 private:
  static bool IsController(const std::string& c) {
    for (const char* k : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls",
                          "blkio", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc"}) {
      if (c == k) return true;
    }
    return false;
  }
  bool IsCpuset() const {
    for (const auto& c : controllers_) {
      if (c == "cpuset") return true;
    }
    return false;
  }

  HierarchyMount mount_;
  std::vector<std::string> controllers_;
};

}  // namespace

std::unique_ptr<CgroupHierarchy> MakeV1Hierarchy(const HierarchyMount& mount) {
  return std::make_unique<V1Hierarchy>(mount);
}

base::Status ChownDelegated(const std::string& dir, std::initializer_list<const char*> files,
                            uid_t uid, gid_t gid) {
  TRY(sys::Chown(dir, uid, gid));
  for (const char* f : files) {
    auto s = sys::Chown(dir + "/" + f, uid, gid);
    if (!s && s.error().sys_errno() != ENOENT) return s;
  }
  return base::Ok();
}

base::Status RemoveCgroupTree(const std::string& dir) {
  if (!sys::Exists(dir)) return base::Ok();
  std::vector<std::string> children;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (e->d_type == DT_DIR && n != "." && n != "..") children.push_back(n);
    }
    ::closedir(d);
  }
  for (const auto& c : children) TRY(RemoveCgroupTree(dir + "/" + c));
  base::Status last;
  for (int attempt = 0; attempt < 50; ++attempt) {
    last = sys::Rmdir(dir);
    if (last || last.error().sys_errno() != EBUSY) return last;
    ::usleep(10000);
  }
  return last;
}

}  // namespace nest::runtime
