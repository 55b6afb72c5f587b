#include "runtime/monitor_starter.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/monitor_reaper.h"
#include "runtime/signals.h"
#include "runtime/vfork.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

struct MonitorSpawn {
  const char* path;
  char** argv;
  int fds[3];                               // become the monitor's 3 (status), 4 (cgroups), 5 (job)
  const std::vector<int>* ignored_signals;  // nestd's: the monitor starts with none
  int exec_errno = 0;  // written by the child when it could not start the monitor
};

// The monitor's side of the spawn, on our memory until its execve: stdin
// /dev/null, the three pipes as fds 3, 4 and 5, nothing else open, a session
// of its own, no signal blocked or ignored.
int MonitorChild(void* arg) {
  auto* m = static_cast<MonitorSpawn*>(arg);
  int null = ::open("/dev/null", O_RDWR);
  // Above 5 first, so that no dup2 below overwrites another's source.
  int moved[3];
  for (int i = 0; i < 3; ++i) moved[i] = ::fcntl(m->fds[i], F_DUPFD, 6);
  bool ok = null >= 0 && ::dup2(null, 0) >= 0;
  for (int i = 0; i < 3; ++i) ok = ok && moved[i] >= 0 && ::dup2(moved[i], 3 + i) >= 0;
  if (!ok) {
    m->exec_errno = errno;
    ::_exit(127);
  }
  ::syscall(SYS_close_range, 6, ~0U, 0);
  ::setsid();
  RestoreDefaultActions(*m->ignored_signals);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(m->path, m->argv, environ);
  m->exec_errno = errno;
  ::_exit(127);
}

// True while the spare waits: it has written nothing and not exited.
bool StillWaiting(const IdleMonitor& m) {
  struct pollfd pfd = {m.status.get(), POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace

// vfork-style, not posix_spawn: glibc's child resets, one sigaction call each,
// every signal the calling thread blocks (all of them in nestd's workers), 128
// system calls before the exec: launch measured 1.1 ms faster without them.
base::Result<IdleMonitor> StartMonitor(const std::string& path) {
  auto status = TRY(sys::Pipe(O_CLOEXEC));
  auto cgroups = TRY(sys::Pipe(O_CLOEXEC));
  auto job = TRY(sys::Pipe(O_CLOEXEC));
  std::string arg0 = "nest-monitor";
  std::string title = kSpareArg;
  title.resize(kSpareTitleRoom, ' ');
  char* argv[] = {arg0.data(), title.data(), nullptr};
  MonitorSpawn m{path.c_str(),
                 argv,
                 {status.write.get(), cgroups.read.get(), job.read.get()},
                 &IgnoredSignals()};
  pid_t child = TRY(VforkClone(MonitorChild, &m, "starting " + path));
  if (m.exec_errno != 0) {
    ::waitpid(child, nullptr, 0);
    return base::Error::FromErrno("starting " + path, m.exec_errno);
  }
  ReapMonitorWhenDone(child);
  return IdleMonitor{child, std::move(status.read), std::move(cgroups.write), std::move(job.write)};
}

MonitorStarter::MonitorStarter(std::string path, const base::Activity* activity)
    : path_(std::move(path)), activity_(activity), keeper_([this] { Keep(); }) {}

MonitorStarter::~MonitorStarter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    spare_.reset();  // its job pipe closes: the spare exits
  }
  wanted_.notify_all();
  keeper_.join();
}

base::Result<IdleMonitor> MonitorStarter::Take() {
  std::optional<IdleMonitor> spare;
  {
    std::lock_guard lock(mu_);
    spare.swap(spare_);
  }
  // A spare that wrote or exited while it waited is dropped (closing our ends
  // of its pipes); so is one that cannot be put back at normal priority, since
  // its container's init would inherit the idle one.
  struct sched_param normal {};
  if (spare && StillWaiting(*spare) && ::sched_setscheduler(spare->pid, SCHED_OTHER, &normal) == 0)
    return std::move(*spare);
  return StartMonitor(path_);
}

void MonitorStarter::Refill() {
  {
    std::lock_guard lock(mu_);
    want_spare_ = true;
  }
  wanted_.notify_one();
}

void MonitorStarter::Keep() {
  // Idle priority, inherited by the spare through its start-up: it runs on
  // time no launch or exec wants.
  struct sched_param idle {};
  (void)::sched_setscheduler(0, SCHED_IDLE, &idle);
  std::unique_lock lock(mu_);
  while (true) {
    wanted_.wait(lock, [this] { return stopping_ || (want_spare_ && !spare_); });
    if (stopping_) return;
    // Put off for kQuiet, and while commands run and kQuiet after (see Refill).
    auto wanted_at = std::chrono::steady_clock::now();
    auto latest = wanted_at + kMaxDefer;
    while (!stopping_ && activity_) {
      auto now = std::chrono::steady_clock::now();
      if (now >= latest || (now - wanted_at >= kQuiet && activity_->QuietFor(kQuiet, now))) break;
      wanted_.wait_for(lock, kPoll);
    }
    if (stopping_) return;
    want_spare_ = false;
    lock.unlock();  // a Take() never waits for this idle thread
    auto started = StartMonitor(path_);
    lock.lock();
    // A failed start is not retried until the next Take(), which reports the
    // error itself when it has to start a monitor.
    if (started && !stopping_) spare_ = std::move(*started);
  }
}

}  // namespace nest::runtime
