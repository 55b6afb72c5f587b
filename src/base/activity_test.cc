#include "base/activity.h"

#include <gtest/gtest.h>

#include <optional>

namespace nest::base {
namespace {

using namespace std::chrono_literals;

TEST(ActivityTest, QuietOnlyWhenNothingIsInFlightAndTheLastEndIsOldEnough) {
  Activity activity;
  EXPECT_TRUE(activity.QuietFor(8ms)) << "a server that served nothing yet is quiet";

  std::optional<Activity::Scope> first(activity.Track());
  std::optional<Activity::Scope> second(activity.Track());
  auto later = Activity::Clock::now() + 1h;
  EXPECT_FALSE(activity.QuietFor(8ms, later)) << "two requests in flight";
  first.reset();
  EXPECT_FALSE(activity.QuietFor(8ms, later)) << "one request still in flight";
  second.reset();

  auto now = Activity::Clock::now();
  EXPECT_FALSE(activity.QuietFor(8ms, now)) << "the last request has just ended";
  EXPECT_TRUE(activity.QuietFor(8ms, now + 9ms));
}

TEST(ActivityTest, AMovedScopeEndsOnce) {
  Activity activity;
  {
    Activity::Scope a = activity.Track();
    Activity::Scope b(std::move(a));
    EXPECT_FALSE(activity.QuietFor(0ms));
  }
  EXPECT_TRUE(activity.QuietFor(0ms, Activity::Clock::now() + 1ms));
}

}  // namespace
}  // namespace nest::base
