#include "runtime/monitor_reaper.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/unique_fd.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

// Lives as long as the process: its thread never ends.
struct Reaper {
  std::mutex mu;
  std::vector<base::UniqueFd> adopted;  // protected by mu; pidfds not yet polled
  base::UniqueFd wake{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};

  void Run() {
    std::vector<base::UniqueFd> watched;
    for (;;) {
      std::vector<pollfd> fds = {{wake.get(), POLLIN, 0}};
      for (const auto& fd : watched) fds.push_back({fd.get(), POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno != EINTR) base::LogError("monitor reaper: poll failed");
        continue;
      }
      if (fds[0].revents & POLLIN) {
        uint64_t n;
        (void)!::read(wake.get(), &n, sizeof n);
        std::lock_guard lock(mu);
        for (auto& fd : adopted) watched.push_back(std::move(fd));
        adopted.clear();
      }
      for (size_t i = fds.size() - 1; i >= 1; --i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        siginfo_t info{};
        ::waitid(P_PIDFD, static_cast<id_t>(watched[i - 1].get()), &info, WEXITED);
        watched.erase(watched.begin() + static_cast<long>(i - 1));
      }
    }
  }
};

Reaper& TheReaper() {
  static Reaper* reaper = [] {
    auto* r = new Reaper();
    std::thread([r] { r->Run(); }).detach();
    return r;
  }();
  return *reaper;
}

}  // namespace

void ReapMonitorWhenDone(pid_t pid) {
  auto pidfd = sys::PidfdOpen(pid);
  if (!pidfd) {
    // Cannot watch it: reap it in passing, so it is not left a zombie.
    std::thread([pid] { ::waitpid(pid, nullptr, 0); }).detach();
    return;
  }
  Reaper& r = TheReaper();
  std::lock_guard lock(r.mu);
  r.adopted.push_back(std::move(*pidfd));
  uint64_t one = 1;
  (void)!::write(r.wake.get(), &one, sizeof one);
}

}  // namespace nest::runtime
