#include "base/result.h"

#include <gtest/gtest.h>

namespace nest::base {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Error::Invalid("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = TRY_CTX(Half(x), "first half");
  return TRY(Half(h));
}

TEST(Result, PropagatesValue) { EXPECT_EQ(Quarter(8).value(), 2); }

TEST(Result, PropagatesErrorWithContext) {
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "odd: 3");
  auto r2 = Quarter(5);
  EXPECT_EQ(r2.error().message(), "first half: odd: 5");
  EXPECT_EQ(r2.error().kind(), ErrorKind::kInvalid);
}

TEST(Result, ErrnoErrorsNameTheCall) {
  auto e = Error::FromErrno("open /x", ENOENT);
  EXPECT_EQ(e.message(), "open /x: No such file or directory");
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace nest::base
