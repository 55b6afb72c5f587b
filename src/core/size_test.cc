#include "core/size.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(Size, Parses) {
  struct Case {
    const char* text;
    int64_t bytes;
  } cases[] = {
      {"0", 0},
      {"4096", 4096},
      {"1B", 1},
      {"1KiB", 1024},
      {"512MiB", 512LL << 20},
      {"10GiB", 10LL << 30},
      {"2TiB", 2LL << 40},
      {"1KB", 1000},
      {"3MB", 3'000'000},
      {"10GB", 10'000'000'000},
  };
  for (const Case& c : cases) {
    auto got = ParseByteSize(c.text);
    ASSERT_TRUE(got.ok()) << c.text;
    EXPECT_EQ(got.value(), c.bytes) << c.text;
  }
}

TEST(Size, Rejects) {
  for (const char* text :
       {"", "abc", "-1", "1.5GiB", "GiB", "10 GiB", "10gib", "10XiB", "99999999999PiB", "+5"}) {
    auto got = ParseByteSize(text);
    EXPECT_FALSE(got.ok()) << text;
  }
  EXPECT_EQ(ParseByteSize("abc").error().message(),
            "invalid size \"abc\": expected a whole number of bytes, optionally with a suffix "
            "such as KiB, MiB, GiB, KB, MB or GB");
}

}  // namespace
}  // namespace nest::core
