#include "runtime/start_plan.h"

#include <gtest/gtest.h>

#include "runtime/running_state.h"

namespace nest::runtime {
namespace {

TEST(StartPlan, RoundTrips) {
  StartPlan p;
  p.name = "c1";
  p.container_dir = "/var/lib/nest/containers/c1";
  p.image_rootfs = "/var/lib/nest/images/abc/rootfs";
  p.uid = {100000, 65536};
  p.gid = {200000, 70000};
  p.nesting = true;
  p.cgroup = "nest/c1";
  p.env = {"container=lxc"};
  p.seccomp = {{0x20, 0, 0, 4}, {0x15, 1, 2, 0xc000003e}, {0x06, 0, 0, 0x7fff0000}};
  auto back = ParsePlan(SerializePlan(p));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->name, "c1");
  EXPECT_EQ(back->gid.host_base, 200000u);
  EXPECT_TRUE(back->nesting);
  EXPECT_EQ(back->UpperDir(), "/var/lib/nest/containers/c1/overlay/upper");
  EXPECT_EQ(back->RootUid(), 100000u);
  ASSERT_EQ(back->seccomp.size(), 3u);
  EXPECT_EQ(back->seccomp[1].code, 0x15);
  EXPECT_EQ(back->seccomp[1].jt, 1);
  EXPECT_EQ(back->seccomp[1].jf, 2);
  EXPECT_EQ(back->seccomp[1].k, 0xc000003eu);
}

TEST(StartPlan, UnprivilegedNeedsItsSeccompPolicy) {
  StartPlan p;
  p.name = "c1";
  p.container_dir = "/d";
  p.image_rootfs = "/i";
  p.cgroup = "nest/c1";
  auto r = ParsePlan(SerializePlan(p));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("seccomp"), std::string::npos);
  p.privileged = true;
  EXPECT_TRUE(ParsePlan(SerializePlan(p)).ok());
}

TEST(StartPlan, RejectsGarbage) {
  auto r = ParsePlan("{\"name\": 3}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("start plan"), std::string::npos);
}

TEST(RunningState, RoundTrips) {
  auto s = ParseRunning(SerializeRunning({12, 34, 56, 30}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->init_pid, 34);
  EXPECT_EQ(s->stop_signal, 30);
}

}  // namespace
}  // namespace nest::runtime
