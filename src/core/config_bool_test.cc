#include "core/config_bool.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(ConfigBool, ParsesLxdSpellings) {
  struct Case {
    const char* text;
    std::optional<bool> want;
  } cases[] = {
      {"true", true},      {"TRUE", true},          {"1", true},        {"yes", true},
      {"On", true},        {"false", false},        {"False", false},   {"0", false},
      {"no", false},       {"OFF", false},          {"", std::nullopt}, {"2", std::nullopt},
      {"y", std::nullopt}, {" true", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseBool(c.text), c.want) << c.text;
  EXPECT_TRUE(IsTrue("yes"));
  EXPECT_FALSE(IsTrue(""));
  EXPECT_FALSE(IsTrue("maybe"));
  EXPECT_TRUE(IsFalseOrEmpty(""));
  EXPECT_TRUE(IsFalseOrEmpty("off"));
  EXPECT_FALSE(IsFalseOrEmpty("true"));
}

}  // namespace
}  // namespace nest::core
