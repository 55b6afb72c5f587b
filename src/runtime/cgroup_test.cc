#include "runtime/cgroup.h"

#include <gtest/gtest.h>

namespace nest::runtime {
namespace {

// A hybrid host as on the CI machine: v1 controllers (cpu and cpuacct separate),
// a named systemd hierarchy, and a cgroup2 tree at /sys/fs/cgroup/unified.
constexpr const char* kHybrid =
    "30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "33 30 0:29 / /sys/fs/cgroup/cpu rw shared:12 - cgroup cgroup rw,cpu\n"
    "34 30 0:30 / /sys/fs/cgroup/cpuacct rw shared:13 - cgroup cgroup rw,cpuacct\n"
    "35 30 0:31 /sub /mnt/bind rw shared:14 - cgroup cgroup rw,memory\n";

TEST(Cgroup, ParsesEveryHierarchyRootOnly) {
  auto mounts = ParseCgroupMounts(kHybrid);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].fstype, "cgroup2");
  EXPECT_EQ(mounts[2].mount_point, "/sys/fs/cgroup/cpu");
}

TEST(Cgroup, InsideMountsMirrorTheHost) {
  auto mounts = ParseCgroupMounts(kHybrid);
  auto unified = MakeHierarchy(mounts[0]);
  auto systemd = MakeHierarchy(mounts[1]);
  auto cpu = MakeHierarchy(mounts[2]);
  EXPECT_EQ(unified->InsideName(), "unified");
  EXPECT_EQ(unified->InsideFstype(), "cgroup2");
  EXPECT_EQ(systemd->InsideName(), "systemd");
  EXPECT_EQ(systemd->InsideOptions(), "name=systemd");
  EXPECT_EQ(cpu->InsideOptions(), "cpu");
  EXPECT_EQ(cpu->ProcsFile("nest/c1"), "/sys/fs/cgroup/cpu/nest/c1/cgroup.procs");
}

TEST(Cgroup, PureV2IsMountedAtTheRoot) {
  auto mounts = ParseCgroupMounts(
      "30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(MakeHierarchy(mounts[0])->InsideName(), "");
}

}  // namespace
}  // namespace nest::runtime
