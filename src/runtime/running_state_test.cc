#include "runtime/running_state.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace nest::runtime {
namespace {

// A process whose command line reads like a monitor's for `dir`.
pid_t FakeMonitor(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", "sleep 30", "nest-monitor", dir.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

void WriteState(const std::string& dir, pid_t monitor) {
  std::ofstream(dir + "/running.json") << SerializeRunning(RunningState{monitor, 4242, 7, 30});
}

class RunningCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nest-running-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Kill(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::string dir_;
};

TEST_F(RunningCacheTest, KeepsAStateWhileItsMonitorLivesAndItsFileExists) {
  pid_t monitor = FakeMonitor(dir_);
  ASSERT_GT(monitor, 0);
  // Wait for the exec (the command line is the monitor's only after it).
  for (int i = 0; i < 200 && !FindRunning(dir_); ++i) {
    WriteState(dir_, monitor);
    ::usleep(10000);
  }
  RunningCache cache;
  auto found = cache.Find(dir_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->monitor_pid, monitor);
  EXPECT_EQ(found->init_pid, 4242);
  EXPECT_EQ(found->stop_signal, 30);

  // Answered from memory: a changed file is not read again while the monitor lives…
  std::ofstream(dir_ + "/running.json") << "not json";
  auto again = cache.Find(dir_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->init_pid, 4242);

  // …but a removed file (a monitor cleaning up) ends it at once.
  std::filesystem::remove(dir_ + "/running.json");
  EXPECT_FALSE(cache.Find(dir_).has_value());

  // And so does the monitor's death, even with the file left behind (kill -9).
  WriteState(dir_, monitor);
  ASSERT_TRUE(cache.Find(dir_).has_value());
  Kill(monitor);
  EXPECT_FALSE(cache.Find(dir_).has_value());
}

TEST_F(RunningCacheTest, APidThatIsNotThisContainersMonitorIsNotRunning) {
  RunningCache cache;
  EXPECT_FALSE(cache.Find(dir_).has_value());  // no state file
  WriteState(dir_, ::getpid());                // a live process, but not a monitor
  EXPECT_FALSE(cache.Find(dir_).has_value());
  pid_t other = FakeMonitor(dir_ + "-other");  // another container's monitor
  WriteState(dir_, other);
  ::usleep(100000);
  EXPECT_FALSE(cache.Find(dir_).has_value());
  Kill(other);
}

}  // namespace
}  // namespace nest::runtime
