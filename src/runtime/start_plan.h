// StartPlan: everything the monitor needs to start one container, decided by the
// daemon and handed over as $container_dir/start.json.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace nest::runtime {

struct IdRangePlan {
  uint32_t host_base = 0;
  uint32_t size = 0;
};

// A file the container gets before its init runs (a rendered image template).
struct PlannedFile {
  std::string path;  // absolute, inside the container
  std::string content;
  bool create_only = false;  // leave an existing file alone
};

inline constexpr const char* kOverlayRootfs = "overlay";
inline constexpr const char* kBindRootfs = "bind";

struct StartPlan {
  std::string name;           // also the hostname
  std::string container_dir;  // $NEST_DIR/containers/<name>: overlay/, rootfs/, logs
  std::string image_rootfs;   // the shared, read-only image tree (overlay lower layer)
  // How rootfs/ is made (storage driver): kOverlayRootfs builds overlayfs over
  // the idmapped image tree and overlay/; kBindRootfs binds rootfs/ onto itself
  // (a tree already shifted into the container's ids: no idmap).
  std::string rootfs_mount = kOverlayRootfs;
  bool privileged = false;  // no user namespace: container root is host root
  bool nesting = false;     // uncovered proc and sysfs at /dev/.lxc/{proc,sys}
  IdRangePlan uid;          // container ids 0..size-1 → host_base.. (unprivileged)
  IdRangePlan gid;
  std::string cgroup;  // relative cgroup path in every hierarchy, e.g. "nest/c1"
  std::vector<std::string> init_argv{"/sbin/init"};
  std::vector<std::string> env;
  std::vector<PlannedFile> files;
  // The seccomp policy the init gets, compiled by nestd (runtime/seccomp.h);
  // empty for a privileged container.
  std::vector<sock_filter> seccomp;

  // Paths derived from container_dir.
  std::string OverlayDir() const { return container_dir + "/overlay"; }
  std::string UpperDir() const { return OverlayDir() + "/upper"; }
  std::string WorkDir() const { return OverlayDir() + "/work"; }
  std::string LowerMountPoint() const { return container_dir + "/lower"; }
  std::string RootfsMountPoint() const { return container_dir + "/rootfs"; }
  bool BindRootfs() const { return rootfs_mount == kBindRootfs; }
  // Where the container's files are seen from the host while it is stopped.
  std::string HostRoot() const { return BindRootfs() ? RootfsMountPoint() : image_rootfs; }
  std::string ConsoleLog() const { return container_dir + "/console.log"; }
  std::string MonitorLog() const { return container_dir + "/nest.log"; }
  std::string StateFile() const { return container_dir + "/running.json"; }
  std::string PlanFile() const { return container_dir + "/start.json"; }

  uid_t RootUid() const { return privileged ? 0 : uid.host_base; }
  gid_t RootGid() const { return privileged ? 0 : gid.host_base; }
};

std::string SerializePlan(const StartPlan& plan);
base::Result<StartPlan> ParsePlan(const std::string& json);

}  // namespace nest::runtime
