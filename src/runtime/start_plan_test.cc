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
  auto back = ParsePlan(SerializePlan(p));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->name, "c1");
  EXPECT_EQ(back->gid.host_base, 200000u);
  EXPECT_TRUE(back->nesting);
  EXPECT_EQ(back->UpperDir(), "/var/lib/nest/containers/c1/overlay/upper");
  EXPECT_EQ(back->RootUid(), 100000u);
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
