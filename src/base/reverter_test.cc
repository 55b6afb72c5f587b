#include "base/reverter.h"

#include <gtest/gtest.h>

#include <vector>

namespace nest::base {
namespace {

TEST(Reverter, UndoesNewestFirstOnFailure) {
  std::vector<int> order;
  {
    Reverter r;
    r.Add([&] { order.push_back(1); });
    r.Add([&] { order.push_back(2); });
  }
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST(Reverter, SuccessKeepsTheChange) {
  int undone = 0;
  {
    Reverter r;
    r.Add([&] { ++undone; });
    r.Success();
  }
  EXPECT_EQ(undone, 0);
}

}  // namespace
}  // namespace nest::base
