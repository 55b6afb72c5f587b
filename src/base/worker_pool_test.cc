#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace nest::base {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPool, ABlockedTaskDoesNotHoldUpTheNext) {
  WorkerPool pool;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> second_ran;
  pool.Submit([released] { released.wait(); });
  pool.Submit([&] { second_ran.set_value(); });
  EXPECT_EQ(second_ran.get_future().wait_for(5s), std::future_status::ready);
  release.set_value();
}

TEST(WorkerPool, ReusesAnIdleThread) {
  WorkerPool pool;
  std::promise<std::thread::id> first, second;
  pool.Submit([&] { first.set_value(std::this_thread::get_id()); });
  auto a = first.get_future().get();
  // The worker goes back to waiting once its task has returned.
  for (int i = 0; i < 5000 && pool.idle() != 1; ++i) std::this_thread::sleep_for(1ms);
  pool.Submit([&] { second.set_value(std::this_thread::get_id()); });
  EXPECT_EQ(second.get_future().get(), a);
  EXPECT_EQ(pool.threads(), 1);
}

TEST(WorkerPool, IdleWorkersExitAndTheDestructorWaitsForTasks) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(/*max_idle=*/1, /*idle_exit=*/20ms);
    for (int i = 0; i < 3; ++i) {
      pool.Submit([&] {
        std::this_thread::sleep_for(30ms);
        ++done;
      });
    }
    EXPECT_EQ(pool.threads(), 3);
  }
  EXPECT_EQ(done.load(), 3);
}

TEST(WorkerPool, AnIdleWorkerLeavesAfterItsTimeout) {
  WorkerPool pool(4, 20ms);
  std::promise<void> ran;
  pool.Submit([&] { ran.set_value(); });
  ran.get_future().wait();
  for (int i = 0; i < 500 && pool.threads() != 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(pool.threads(), 0);
}

}  // namespace
}  // namespace nest::base
