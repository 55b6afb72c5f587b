#include "runtime/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace nest::runtime {
namespace {

bool Ignored(int s) {
  struct sigaction old {};
  return ::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN;
}

TEST(SignalsTest, TheIgnoredSignalsAreFoundAndPutBackToTheirDefault) {
  struct sigaction pipe_before {};
  ::sigaction(SIGPIPE, nullptr, &pipe_before);
  ::signal(SIGUSR2, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  // A fresh process of its own: IgnoredSignals() asks once per process.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const auto& ignored = IgnoredSignals();
    bool found = std::count(ignored.begin(), ignored.end(), SIGUSR2) == 1 &&
                 std::count(ignored.begin(), ignored.end(), SIGPIPE) == 1 &&
                 std::count(ignored.begin(), ignored.end(), SIGUSR1) == 0;
    RestoreDefaultActions(ignored);
    ::_exit(found && !Ignored(SIGUSR2) && !Ignored(SIGPIPE) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "SIGUSR2 and SIGPIPE, ignored, were not both found and restored";
  ::signal(SIGUSR2, SIG_DFL);
  ::sigaction(SIGPIPE, &pipe_before, nullptr);
}

}  // namespace
}  // namespace nest::runtime
