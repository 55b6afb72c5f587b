#include "runtime/running_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

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

TEST_F(RunningCacheTest, AStateRememberedAtStartIsFoundWithoutReadingTheFile) {
  pid_t monitor = FakeMonitor(dir_);
  ASSERT_GT(monitor, 0);
  std::ofstream(dir_ + "/running.json") << "not json";  // never parsed
  RunningCache cache;
  cache.Remember(dir_, RunningState{monitor, 4242, 7, 30});
  auto found = cache.Find(dir_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->init_pid, 4242);
  Kill(monitor);
  EXPECT_FALSE(cache.Find(dir_).has_value()) << "gone with its monitor, as any state found";

  cache.Remember(dir_, RunningState{monitor, 4242, 7, 30});  // a monitor already gone
  EXPECT_FALSE(cache.Find(dir_).has_value());
}

// Each start remembers its container: those whose monitors are gone must not
// pile up (a pidfd each, in nestd, whose table every exec'd command copies).
TEST_F(RunningCacheTest, RememberedContainersGoneAreForgotten) {
  RunningCache cache;
  auto open_fds = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator());
  };
  pid_t monitor = FakeMonitor(dir_);
  ASSERT_GT(monitor, 0);
  cache.Remember(dir_ + "/c0", RunningState{monitor, 4242, 7, 30});
  auto before = open_fds();
  for (int i = 1; i <= 20; ++i) {
    pid_t gone = FakeMonitor(dir_);
    ASSERT_GT(gone, 0);
    cache.Remember(dir_ + "/c" + std::to_string(i), RunningState{gone, 4242, 7, 30});
    Kill(gone);
  }
  EXPECT_LE(open_fds(), before + 1) << "one entry, the last, until the next comes";
  Kill(monitor);
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

// A monitor for a fresh directory, found running by `cache`.
struct Running {
  std::string dir;
  pid_t monitor;
  RunningState state;
};

Running StartRunning(RunningCache& cache, const std::string& dir) {
  std::filesystem::create_directories(dir);
  pid_t monitor = FakeMonitor(dir);
  for (int i = 0; i < 200 && !FindRunning(dir); ++i) {
    WriteState(dir, monitor);
    ::usleep(10000);
  }
  auto found = cache.Find(dir);
  EXPECT_TRUE(found.has_value());
  return Running{dir, monitor, found.value_or(RunningState{})};
}

// An opener that counts its calls; its target holds one descriptor.
struct CountingOpen {
  int calls = 0;
  std::function<base::Result<JoinTarget>()> fn() {
    return [this]() -> base::Result<JoinTarget> {
      ++calls;
      JoinTarget t;
      t.init = base::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      return t;
    };
  }
};

// The join `cache` gives for `r`, or null on an error.
std::shared_ptr<const JoinTarget> JoinOf(RunningCache& cache, const std::string& dir,
                                         const RunningState& state, CountingOpen& open) {
  auto j = cache.Join(dir, state, open.fn());
  EXPECT_TRUE(j.ok());
  return j.ok() ? *j : nullptr;
}

TEST_F(RunningCacheTest, AJoinIsOpenedOnceForTheRunOfAContainer) {
  RunningCache cache;
  Running c = StartRunning(cache, dir_ + "/c1");
  CountingOpen open;
  auto first = JoinOf(cache, c.dir, c.state, open);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(JoinOf(cache, c.dir, c.state, open), first);
  EXPECT_EQ(open.calls, 1);

  // Another run of the container (a state not the one known): opened for
  // that call, and not kept in place of the known one.
  RunningState restarted = c.state;
  restarted.started_at += 1;
  auto other = JoinOf(cache, c.dir, restarted, open);
  EXPECT_NE(other, first);
  EXPECT_EQ(open.calls, 2);
  EXPECT_EQ(JoinOf(cache, c.dir, c.state, open), first);

  // An opener's error is the caller's, and nothing is kept.
  Running d = StartRunning(cache, dir_ + "/c2");
  auto failed = cache.Join(d.dir, d.state, []() -> base::Result<JoinTarget> {
    return base::Error::NotFound("the container's init is gone");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind(), base::ErrorKind::kNotFound);
  EXPECT_NE(JoinOf(cache, d.dir, d.state, open), nullptr);
  EXPECT_EQ(open.calls, 3);
  Kill(c.monitor);
  Kill(d.monitor);
}

TEST_F(RunningCacheTest, OnlyTheJoinsOfTheContainersUsedLastAreKept) {
  RunningCache cache(/*joins_kept=*/2);
  Running a = StartRunning(cache, dir_ + "/a");
  Running b = StartRunning(cache, dir_ + "/b");
  Running c = StartRunning(cache, dir_ + "/c");
  CountingOpen open;
  auto ja = JoinOf(cache, a.dir, a.state, open);
  auto jb = JoinOf(cache, b.dir, b.state, open);
  EXPECT_EQ(JoinOf(cache, a.dir, a.state, open), ja);  // a used after b
  auto jc = JoinOf(cache, c.dir, c.state, open);       // so b's is dropped
  EXPECT_EQ(open.calls, 3);
  EXPECT_EQ(JoinOf(cache, a.dir, a.state, open), ja);
  EXPECT_EQ(JoinOf(cache, c.dir, c.state, open), jc);
  EXPECT_EQ(open.calls, 3);
  EXPECT_NE(JoinOf(cache, b.dir, b.state, open), jb);  // opened again
  EXPECT_EQ(open.calls, 4);
  Kill(a.monitor);
  Kill(b.monitor);
  Kill(c.monitor);
}

}  // namespace
}  // namespace nest::runtime
