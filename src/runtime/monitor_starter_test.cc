#include "runtime/monitor_starter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

class MonitorStarterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nest-starter-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A stand-in monitor: notes its pid in `started`, then runs `body`.
  std::string FakeMonitor(const std::string& body) {
    std::string path = dir_ + "/monitor";
    std::ofstream(path) << "#!/bin/sh\necho $$ >>" << dir_ << "/started\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }

  // The pids noted so far, once there are at least `n` (or `tries` x 10 ms).
  std::vector<pid_t> Started(size_t n, int tries = 1000) {
    std::vector<pid_t> pids;
    for (int i = 0; i < tries; ++i) {
      pids.clear();
      std::ifstream in(dir_ + "/started");
      for (pid_t p; in >> p;) pids.push_back(p);
      if (pids.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pids;
  }

  std::string dir_;
};

// "policy : N" of /proc/PID/sched: 0 normal, 5 idle.
int Policy(pid_t pid) {
  auto text = sys::ReadFile("/proc/" + std::to_string(pid) + "/sched");
  if (!text) return -1;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("policy", 0) == 0) return std::stoi(line.substr(line.find(':') + 1));
  }
  return -1;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  return out;
}

TEST_F(MonitorStarterTest, TakeHandsOutTheSpareStartedAheadAndRefillStartsTheNext) {
  MonitorStarter starter(FakeMonitor("read dir <&5 || exit 0\necho \"ok $dir\" >&3"));
  auto first = Started(1);
  ASSERT_EQ(first.size(), 1u) << "no spare started";

  auto monitor = starter.Take();
  ASSERT_TRUE(monitor) << monitor.error().message();
  EXPECT_EQ(monitor->pid, first[0]);
  EXPECT_EQ(Policy(monitor->pid), 0) << "a monitor handed out runs at normal priority";
  ASSERT_TRUE(sys::WriteFd(monitor->job.get(), "/var/lib/nest/containers/c1\n"));
  monitor->job.reset();
  monitor->cgroups.reset();
  EXPECT_EQ(ReadAll(monitor->status.get()), "ok /var/lib/nest/containers/c1\n");
  EXPECT_EQ(Started(2, 20).size(), 1u) << "a new spare started before Refill";
  starter.Refill();

  auto now = Started(2);
  ASSERT_EQ(now.size(), 2u) << "no new spare after the first was taken";
  EXPECT_NE(now[1], first[0]);
}

TEST_F(MonitorStarterTest, TheSpareWaitsForTheCommandsRunningToBeOver) {
  base::Activity activity;
  std::optional<base::Activity::Scope> command(activity.Track());
  MonitorStarter starter(FakeMonitor("read dir <&5 || exit 0"), &activity);
  EXPECT_EQ(Started(1, 5).size(), 0u) << "a spare started while a command ran";
  command.reset();
  EXPECT_EQ(Started(1).size(), 1u) << "no spare once the command was over";
}

TEST_F(MonitorStarterTest, ACommandThatLastsDoesNotHoldTheSpareOffForLong) {
  base::Activity activity;
  auto command = activity.Track();  // an interactive exec, say
  MonitorStarter starter(FakeMonitor("read dir <&5 || exit 0"), &activity);
  EXPECT_EQ(Started(1).size(), 1u) << "no spare while one command kept running";
}

TEST_F(MonitorStarterTest, ASpareThatQuitWhileWaitingIsReplacedByANewMonitor) {
  MonitorStarter starter(FakeMonitor("echo 'error gave up' >&3\nexit 1"));
  auto first = Started(1);
  ASSERT_EQ(first.size(), 1u);
  for (int i = 0; i < 500 && ::kill(first[0], 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // until it is reaped
  }
  auto monitor = starter.Take();
  ASSERT_TRUE(monitor) << monitor.error().message();
  EXPECT_NE(monitor->pid, first[0]);
  EXPECT_EQ(ReadAll(monitor->status.get()), "error gave up\n");
}

TEST_F(MonitorStarterTest, AMonitorThatCannotStartIsReportedByTake) {
  MonitorStarter starter(dir_ + "/no-such-monitor");
  auto monitor = starter.Take();
  ASSERT_FALSE(monitor);
  EXPECT_NE(monitor.error().message().find(dir_ + "/no-such-monitor"), std::string::npos)
      << monitor.error().message();
  EXPECT_NE(monitor.error().message().find("No such file"), std::string::npos)
      << monitor.error().message();
}

}  // namespace
}  // namespace nest::runtime
