#include "runtime/cgroup.h"

#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>

#include "base/reverter.h"
#include "base/strings.h"
#include "runtime/cgroup_backends.h"
#include "sys/syscalls.h"

namespace nest::runtime {

std::vector<HierarchyMount> ParseCgroupMounts(const std::string& mountinfo) {
  std::vector<HierarchyMount> out;
  // base::Split, not a stringstream: the monitor would build the iostream
  // locale for this alone (~0.4 ms of page faults at every start here).
  for (const std::string& line : base::Split(mountinfo, '\n')) {
    // id parent major:minor root mount_point options [optional...] - fstype source super_options
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto left = base::Split(line.substr(0, dash), ' ');
    auto right = base::Split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    const std::string& fstype = right[0];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    if (left[3] != "/") continue;  // a bind of a sub-cgroup, not the hierarchy root
    out.push_back({left[4], fstype, right[2]});
  }
  return out;
}

std::unique_ptr<CgroupHierarchy> MakeHierarchy(const HierarchyMount& mount) {
  static const std::map<std::string,
                        std::function<std::unique_ptr<CgroupHierarchy>(const HierarchyMount&)>>
      kFactories = {
          {"cgroup", [](const HierarchyMount& m) { return MakeV1Hierarchy(m); }},
          {"cgroup2", [](const HierarchyMount& m) { return MakeV2Hierarchy(m); }},
      };
  auto it = kFactories.find(mount.fstype);
  if (it == kFactories.end()) return nullptr;
  return it->second(mount);
}

base::Result<std::vector<std::shared_ptr<CgroupHierarchy>>> DetectHierarchies() {
  std::string mountinfo = TRY_CTX(sys::ReadFile("/proc/self/mountinfo"), "detecting cgroups");
  std::vector<std::shared_ptr<CgroupHierarchy>> out;
  for (const auto& m : ParseCgroupMounts(mountinfo)) {
    if (auto h = MakeHierarchy(m)) out.push_back(std::move(h));
  }
  if (out.empty()) return base::Error::Unavailable("no cgroup hierarchy is mounted on this host");
  return out;
}

base::Status ContainerCgroup::Create(uid_t owner_uid, gid_t owner_gid) {
  base::Reverter revert;
  for (const auto& h : hierarchies_) {
    TRY_CTX(h->Create(rel_, owner_uid, owner_gid), "creating cgroup in " + h->mount().mount_point);
    revert.Add([h, this] { (void)h->Remove(rel_); });
  }
  revert.Success();
  return base::Ok();
}

base::Status ContainerCgroup::AddProcess(pid_t pid) {
  for (const auto& h : hierarchies_) {
    TRY_CTX(sys::WriteFile(h->ProcsFile(rel_), std::to_string(pid)), "joining cgroup");
  }
  return base::Ok();
}

std::vector<std::string> ContainerCgroup::ProcsFiles() const {
  std::vector<std::string> out;
  for (const auto& h : hierarchies_) out.push_back(h->ProcsFile(rel_));
  return out;
}

base::Status ContainerCgroup::Remove() {
  base::Status first;
  for (const auto& h : hierarchies_) {
    auto s = h->Remove(rel_);
    if (!s && first) first = std::move(s);
  }
  return first;
}

namespace {
void CollectPids(const std::string& dir, std::vector<pid_t>* out) {
  if (auto procs = sys::ReadFile(dir + "/cgroup.procs")) {
    for (const auto& l : base::Split(*procs, '\n')) {
      long long v;
      if (base::ParseInt64(l, &v)) out->push_back(static_cast<pid_t>(v));
    }
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
      CollectPids(dir + "/" + e->d_name, out);
  }
  ::closedir(d);
}
}  // namespace

std::vector<pid_t> ContainerCgroup::Pids() const {
  // Every process is in exactly one cgroup per hierarchy: one hierarchy suffices.
  std::vector<pid_t> out;
  if (hierarchies_.empty()) return out;
  std::string procs = hierarchies_.front()->ProcsFile(rel_);
  CollectPids(procs.substr(0, procs.rfind('/')), &out);
  return out;
}

long long ContainerCgroup::MemoryUsage() const {
  for (const auto& h : hierarchies_) {
    std::string file = h->MemoryUsageFile(rel_);
    if (file.empty()) continue;
    auto text = sys::ReadFile(file);
    long long v;
    if (text && base::ParseInt64(base::Trim(*text), &v)) return v;
  }
  return -1;
}

long long ContainerCgroup::CpuUsage() const {
  for (const auto& h : hierarchies_) {
    long long v = h->CpuUsageNanos(rel_);
    if (v >= 0) return v;
  }
  return -1;
}

void RemoveIfEmpty(const std::vector<std::shared_ptr<CgroupHierarchy>>& hierarchies,
                   const std::string& rel) {
  for (const auto& h : hierarchies) (void)::rmdir((h->mount().mount_point + "/" + rel).c_str());
}

}  // namespace nest::runtime
