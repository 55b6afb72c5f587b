#include "core/cache_policy.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

constexpr int64_t kT0 = 1'800'000'000LL * 1'000'000'000LL;

CachedImage Cached(std::string fp, int64_t last_used) {
  CachedImage i;
  i.fingerprint = std::move(fp);
  i.cached = true;
  i.uploaded_at = last_used;
  i.last_used_at = last_used;
  return i;
}

CachedImage FromSource(CachedImage i, std::string alias) {
  i.source_server = "http://127.0.0.1:8700";
  i.source_protocol = "simplestreams";
  i.source_alias = std::move(alias);
  return i;
}

std::vector<std::string> Fps(const std::vector<Removal>& r) {
  std::vector<std::string> out;
  for (const auto& x : r) out.push_back(x.fingerprint);
  return out;
}

TEST(CachePolicy, CachedImageExpiresAfterTheGivenDaysOfDisuse) {
  std::vector<CachedImage> images = {Cached("aa", kT0)};
  EXPECT_TRUE(ImagesToCollect(images, kT0 + 10 * kNanosPerDay, 10).empty());
  auto r = ImagesToCollect(images, kT0 + 10 * kNanosPerDay + 1, 10);
  ASSERT_EQ(Fps(r), std::vector<std::string>{"aa"});
  EXPECT_EQ(r[0].reason, RemovalReason::kExpired);
  EXPECT_NE(r[0].detail.find("unused since"), std::string::npos);
}

TEST(CachePolicy, LastUseFallsBackToUploadDate) {
  CachedImage i = Cached("aa", 0);
  i.uploaded_at = kT0;
  EXPECT_EQ(CacheExpiresAt(i, 1), kT0 + kNanosPerDay);
}

TEST(CachePolicy, ExplicitImagesNeverExpire) {
  CachedImage i = Cached("aa", kT0);
  i.cached = false;
  EXPECT_TRUE(ImagesToCollect({i}, kT0 + 1000 * kNanosPerDay, 1).empty());
  EXPECT_EQ(CacheExpiresAt(i, 1), 0);
}

TEST(CachePolicy, ZeroDaysDisablesExpiry) {
  EXPECT_TRUE(ImagesToCollect({Cached("aa", kT0)}, kT0 + 1000 * kNanosPerDay, 0).empty());
}

TEST(CachePolicy, ImagesInUseAreNeverCollected) {
  CachedImage i = Cached("aa", kT0);
  i.users = 1;
  EXPECT_TRUE(ImagesToCollect({i}, kT0 + 1000 * kNanosPerDay, 1).empty());
}

TEST(CachePolicy, OlderCachedVersionOfTheSameSourceIsSuperseded) {
  auto old_v = FromSource(Cached("aa", kT0), "busybox");
  auto new_v = FromSource(Cached("bb", kT0 + kNanosPerHour), "busybox");
  auto r = ImagesToCollect({old_v, new_v}, kT0 + 2 * kNanosPerHour, 10);
  ASSERT_EQ(Fps(r), std::vector<std::string>{"aa"});
  EXPECT_EQ(r[0].reason, RemovalReason::kSuperseded);
  EXPECT_NE(r[0].detail.find("superseded by bb"), std::string::npos);
}

TEST(CachePolicy, SupersededVersionInUseStaysUntilUnused) {
  auto old_v = FromSource(Cached("aa", kT0), "busybox");
  old_v.users = 2;
  auto new_v = FromSource(Cached("bb", kT0 + kNanosPerHour), "busybox");
  EXPECT_TRUE(ImagesToCollect({old_v, new_v}, kT0 + 2 * kNanosPerHour, 10).empty());
}

TEST(CachePolicy, AliasedOrExplicitOrOtherSourceImagesAreNotSuperseded) {
  auto aliased = FromSource(Cached("aa", kT0), "busybox");
  aliased.alias_count = 1;
  auto explicit_copy = FromSource(Cached("ab", kT0), "busybox");
  explicit_copy.cached = false;
  auto other = FromSource(Cached("ac", kT0), "debian");
  auto new_v = FromSource(Cached("bb", kT0 + kNanosPerHour), "busybox");
  EXPECT_TRUE(
      ImagesToCollect({aliased, explicit_copy, other, new_v}, kT0 + kNanosPerHour, 10).empty());
}

TEST(CachePolicy, UpdateChecksFollowTheInterval) {
  auto i = FromSource(Cached("aa", kT0), "busybox");
  i.auto_update = true;
  EXPECT_TRUE(UpdateCheckDue(i, kT0, 6)) << "never checked: due at once";
  i.last_checked_at = kT0;
  EXPECT_FALSE(UpdateCheckDue(i, kT0 + 6 * kNanosPerHour - 1, 6));
  EXPECT_TRUE(UpdateCheckDue(i, kT0 + 6 * kNanosPerHour, 6));
  EXPECT_EQ(NextUpdateCheckAt(i, 6), kT0 + 6 * kNanosPerHour);
  EXPECT_TRUE(UpdateCheckDue(i, kT0 + kNanosPerHour, 1)) << "a shorter interval applies at once";
}

TEST(CachePolicy, ZeroIntervalDisablesEveryCheck) {
  auto i = FromSource(Cached("aa", kT0), "busybox");
  i.auto_update = true;
  EXPECT_FALSE(UpdateCheckDue(i, kT0 + 1000 * kNanosPerDay, 0));
  EXPECT_EQ(NextUpdateCheckAt(i, 0), 0);
  EXPECT_TRUE(ImagesDueForUpdate({i}, kT0 + 1000 * kNanosPerDay, 0).empty());
}

TEST(CachePolicy, OnlyAutoUpdateImagesWithASourceAreChecked) {
  auto no_flag = FromSource(Cached("aa", kT0), "busybox");
  auto no_source = Cached("bb", kT0);
  no_source.auto_update = true;
  auto due = FromSource(Cached("cc", kT0), "debian");
  due.auto_update = true;
  EXPECT_EQ(ImagesDueForUpdate({no_flag, no_source, due}, kT0, 6), std::vector<std::string>{"cc"});
}

}  // namespace
}  // namespace nest::core
