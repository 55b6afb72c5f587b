#include "core/instance_copy.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

InstanceCopySource Source() {
  InstanceCopySource s;
  s.config = {{"limits.memory", "256MiB"},
              {"user.role", "web"},
              {"image.os", "busybox"},
              {"volatile.base_image", "abc"},
              {"volatile.storage.driver", "dir"},
              {"volatile.apply_template", "create"},
              {"volatile.idmap.current", "[...]"},
              {"volatile.last_state.power", "RUNNING"},
              {"volatile.eth0.hwaddr", "00:16:3e:00:00:01"}};
  s.devices = {{"eth0", {{"type", "nic"}, {"nictype", "bridged"}}},
               {"data", {{"type", "disk"}, {"source", "/srv"}, {"path", "/srv"}}}};
  s.profiles = {"default", "web"};
  return s;
}

TEST(InstanceCopy, TakesTheSourceButFreshVolatileKeys) {
  InstanceCopyPlan p = PlanInstanceCopy(Source(), {});
  InstanceConfig want = {{"limits.memory", "256MiB"},
                         {"user.role", "web"},
                         {"image.os", "busybox"},
                         {"volatile.base_image", "abc"},
                         {"volatile.storage.driver", "dir"},
                         {"volatile.apply_template", "copy"}};
  EXPECT_EQ(p.config, want);
  EXPECT_EQ(p.devices, Source().devices);
  EXPECT_EQ(p.profiles, (std::vector<std::string>{"default", "web"}));
}

TEST(InstanceCopy, RequestOverrides) {
  InstanceCopyRequest r;
  r.config = {{"limits.memory", "1GiB"}, {"user.extra", "1"}};
  r.devices = {{"eth0", {{"type", "nic"}, {"nictype", "macvlan"}}}};
  r.profiles = std::vector<std::string>{};
  InstanceCopyPlan p = PlanInstanceCopy(Source(), r);
  EXPECT_EQ(p.config["limits.memory"], "1GiB");
  EXPECT_EQ(p.config["user.extra"], "1");
  EXPECT_EQ(p.config["user.role"], "web");
  // A device is replaced as a whole, never merged key by key.
  EXPECT_EQ(p.devices["eth0"], (Device{{"type", "nic"}, {"nictype", "macvlan"}}));
  EXPECT_EQ(p.devices.count("data"), 1u);
  EXPECT_TRUE(p.profiles.empty());
}

TEST(InstanceCopy, VolatileKeysInTheRequestAreIgnored) {
  InstanceCopyRequest r;
  r.config = {{"volatile.storage.driver", "overlay"},
              {"volatile.apply_template", "create"},
              {"volatile.idmap.next", "[]"},
              {"volatile.base_image", "other"}};
  InstanceCopyPlan p = PlanInstanceCopy(Source(), r);
  EXPECT_EQ(p.config["volatile.storage.driver"], "dir");
  EXPECT_EQ(p.config["volatile.base_image"], "abc");
  EXPECT_EQ(p.config["volatile.apply_template"], "copy");
  EXPECT_EQ(p.config.count("volatile.idmap.next"), 0u);
}

TEST(InstanceCopy, SourceWithoutDriverKey) {
  InstanceCopySource s;
  s.config = {{"volatile.base_image", "abc"}};
  InstanceCopyPlan p = PlanInstanceCopy(s, {});
  EXPECT_EQ(p.config.count("volatile.storage.driver"), 0u);
  EXPECT_EQ(p.config["volatile.apply_template"], "copy");
}

}  // namespace
}  // namespace nest::core
