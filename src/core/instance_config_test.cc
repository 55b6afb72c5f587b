#include "core/instance_config.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

struct KeyCase {
  const char* key;
  const char* value;
  const char* error;  // nullptr: valid
};

TEST(InstanceConfig, Validate) {
  const KeyCase cases[] = {
      {"security.nesting", "true", nullptr},
      {"security.privileged", "0", nullptr},
      {"boot.autostart", "", nullptr},
      {"security.nesting", "sure",
       "invalid value \"sure\" for security.nesting: expected true or false"},
      {"limits.memory", "512MiB", nullptr},
      {"limits.memory", "50%", nullptr},
      {"limits.memory", "150%",
       "invalid value \"150%\" for limits.memory: expected a size such "
       "as 512MiB or a percentage such as 50%"},
      {"limits.memory", "lots",
       "invalid value \"lots\" for limits.memory: expected a size such "
       "as 512MiB or a percentage such as 50%"},
      {"limits.cpu", "2", nullptr},
      {"limits.cpu", "0-3,6", nullptr},
      {"limits.cpu", "0", nullptr},
      {"limits.cpu", "3-1",
       "invalid value \"3-1\" for limits.cpu: expected a number of CPUs "
       "such as 2 or a CPU set such as 0-3,6"},
      {"limits.cpu", "a",
       "invalid value \"a\" for limits.cpu: expected a number of CPUs such "
       "as 2 or a CPU set such as 0-3,6"},
      {"limits.processes", "100", nullptr},
      {"limits.processes", "0",
       "invalid value \"0\" for limits.processes: expected a whole number greater than 0"},
      {"environment.FOO", "bar baz", nullptr},
      {"user.anything", "x", nullptr},
      {"image.os", "busybox", nullptr},
      {"volatile.idmap.next", "[]", nullptr},
      {"raw.idmap", "both 1000 1000", nullptr},
      {"environment.", "x", "unknown instance configuration key \"environment.\""},
      {"limits.bogus", "1", "unknown instance configuration key \"limits.bogus\""},
      {"security.nestin", "true", "unknown instance configuration key \"security.nestin\""},
  };
  for (const KeyCase& c : cases) {
    base::Status s = ValidateInstanceConfigKey(c.key, c.value);
    if (!c.error) {
      EXPECT_TRUE(s.ok()) << c.key << "=" << c.value << ": " << s.error().message();
    } else {
      ASSERT_FALSE(s.ok()) << c.key << "=" << c.value;
      EXPECT_EQ(s.error().kind(), base::ErrorKind::kInvalid);
      EXPECT_EQ(s.error().message(), c.error);
    }
  }
  EXPECT_TRUE(ValidateInstanceConfig({{"security.nesting", "1"}, {"user.a", "b"}}).ok());
  EXPECT_FALSE(ValidateInstanceConfig({{"security.nesting", "1"}, {"bad", "b"}}).ok());
}

TEST(InstanceConfig, ExpandConfigLayers) {
  const std::vector<InstanceConfig> profiles = {
      {{"limits.cpu", "1"}, {"user.a", "p1"}, {"security.nesting", "true"}},
      {{"limits.cpu", "2"}, {"user.b", "p2"}},
  };
  const InstanceConfig local = {{"user.a", "local"}, {"security.nesting", ""}};
  EXPECT_EQ(ExpandConfig(profiles, local),
            (InstanceConfig{{"limits.cpu", "2"}, {"user.a", "local"}, {"user.b", "p2"}}));
  EXPECT_EQ(ExpandConfig({}, {{"a", "1"}}), (InstanceConfig{{"a", "1"}}));
  EXPECT_TRUE(ExpandConfig({}, {}).empty());
}

TEST(InstanceConfig, ExpandDevicesReplacesWholeDevices) {
  const std::vector<Devices> profiles = {
      {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "default"}}},
       {"eth0", {{"type", "nic"}, {"nictype", "bridged"}}}},
      {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "fast"}}}},
  };
  const Devices local = {{"eth0", {{"type", "none"}}}};
  Devices want = {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "fast"}}},
                  {"eth0", {{"type", "none"}}}};
  EXPECT_EQ(ExpandDevices(profiles, local), want);
}

}  // namespace
}  // namespace nest::core
