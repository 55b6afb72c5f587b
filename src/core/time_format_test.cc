#include "core/time_format.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

struct FormatCase {
  int64_t nanos;
  const char* text;
};

TEST(TimeFormat, FormatsLikeGoRfc3339Nano) {
  const FormatCase cases[] = {
      {0, "1970-01-01T00:00:00Z"},
      {1, "1970-01-01T00:00:00.000000001Z"},
      {1'000'000'000, "1970-01-01T00:00:01Z"},
      {1'500'000'000, "1970-01-01T00:00:01.5Z"},
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {-86'400'000'000'000, "1969-12-31T00:00:00Z"},
      {951'782'400'000'000'000, "2000-02-29T00:00:00Z"},
      {1'795'914'450'123'456'789, "2026-11-29T01:07:30.123456789Z"},
      {1'795'914'451'766'302'560, "2026-11-29T01:07:31.76630256Z"},
      {1'700'000'000'000'000'000, "2023-11-14T22:13:20Z"},
      {4'102'444'799'000'000'000, "2099-12-31T23:59:59Z"},
  };
  for (const FormatCase& c : cases) {
    EXPECT_EQ(FormatRfc3339(c.nanos), c.text) << c.nanos;
    auto parsed = ParseRfc3339(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message();
    EXPECT_EQ(parsed.value(), c.nanos) << c.text;
  }
}

TEST(TimeFormat, ParsesOffsetsAndFractions) {
  const FormatCase cases[] = {
      {0, "1970-01-01T01:00:00+01:00"},
      {0, "1969-12-31T19:30:00-04:30"},
      {120'000'000, "1970-01-01T00:00:00.12Z"},
      {0, "1970-01-01t00:00:00z"},
      {0, "0001-01-01T00:00:00Z"},
      {1'795'914'450'000'000'000, "2026-11-29T02:07:30.000+01:00"},
  };
  for (const FormatCase& c : cases) {
    auto parsed = ParseRfc3339(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message();
    EXPECT_EQ(parsed.value(), c.nanos) << c.text;
  }
}

TEST(TimeFormat, RejectsMalformed) {
  const char* cases[] = {
      "",
      "2026-11-29",
      "2026-11-29T01:07:30",
      "2026-11-29 01:07:30Z",
      "2026-13-01T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-11-29T24:00:00Z",
      "2026-11-29T01:07:30.Z",
      "2026-11-29T01:07:30.1234567890Z",
      "2026-11-29T01:07:30+0100",
      "2026-11-29T01:07:30Zjunk",
      "1500-01-01T00:00:00Z",
  };
  for (const char* c : cases) {
    auto parsed = ParseRfc3339(c);
    EXPECT_FALSE(parsed.ok()) << c;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().kind(), base::ErrorKind::kInvalid);
    }
  }
  EXPECT_EQ(ParseRfc3339("2026-02-29T00:00:00Z").error().message(),
            "invalid RFC 3339 time \"2026-02-29T00:00:00Z\": day out of range");
}

}  // namespace
}  // namespace nest::core
