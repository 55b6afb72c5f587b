#include "runtime/monitor.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <span>

#include "base/reverter.h"
#include "runtime/cgroup.h"
#include "runtime/container_setup.h"
#include "runtime/running_state.h"
#include "runtime/signals.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

using base::Result;
using base::Status;
using base::UniqueFd;

long long NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// With NEST_TRACE set in nestd's environment, the monitor logs how long each
// start step took (for bench/ work; off by default).
class StepTimer {
 public:
  explicit StepTimer(std::function<void(const std::string&)> log)
      : log_(std::getenv("NEST_TRACE") ? std::move(log) : nullptr),
        last_(std::chrono::steady_clock::now()) {}
  void Step(const char* name) {
    if (!log_) return;
    auto now = std::chrono::steady_clock::now();
    log_(
        std::string("trace ") + name + " " +
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count()) +
        "us");
    last_ = now;
  }

 private:
  std::function<void(const std::string&)> log_;
  std::chrono::steady_clock::time_point last_;
};

class Monitor {
 public:
  explicit Monitor(int cgroups_fd) : cgroups_fd_(cgroups_fd) {}
  ~Monitor() { KillInit(); }  // an init not started (or not reaped by Wait)

  // What no container decides, done while this monitor waits for one (a
  // spare, MonitorStarter): its console, the host's cgroup hierarchies, and
  // the init cloned into new namespaces (a user namespace among them: most
  // containers are unprivileged), waiting for its plan.
  Status Prepare();
  // Starts the container from `plan` (`text`: as read from start.json); on
  // success the init is running and `init_pid_` is set.
  Status Start(StartPlan plan, const std::string& text);
  // Waits for the init to exit, keeping the console log; returns why it ended.
  std::string Wait();
  void Cleanup();
  void Log(const std::string& line);
  pid_t init_pid() const { return init_pid_; }
  const RunningState& state() const { return state_; }

 private:
  Status OpenConsole();
  Status CloneInit(bool user_ns);
  Status WriteIdMaps();
  Status SendIdmappedLayers(int sock);
  Status AwaitCgroups();
  int StopSignal() const;
  void KillInit();

  StartPlan plan_;
  UniqueFd cgroups_fd_;  // nestd's hand-over of the cgroups it made
  std::vector<std::shared_ptr<CgroupHierarchy>> hierarchies_;
  std::unique_ptr<ContainerCgroup> cgroup_;
  UniqueFd console_master_;
  std::string console_path_;
  HostObjects host_;  // for the init, which takes copies of them when it is cloned
  UniqueFd init_pidfd_;
  UniqueFd init_sock_;  // our end of the socketpair with the init (container_setup.h)
  pid_t init_pid_ = 0;
  RunningState state_;  // once started: as written to running.json
};

void Monitor::Log(const std::string& line) {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char stamp[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (auto fd = sys::Open(plan_.MonitorLog(), O_WRONLY | O_CREAT | O_APPEND, 0600)) {
    (void)sys::WriteFd(fd->get(), std::string(stamp) + " " + line + "\n");
  }
}

Status Monitor::OpenConsole() {
  int fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return base::Error::FromErrno("posix_openpt", errno);
  console_master_.reset(fd);
  if (::grantpt(fd) < 0 || ::unlockpt(fd) < 0) return base::Error::FromErrno("unlockpt", errno);
  char name[64];
  if (::ptsname_r(fd, name, sizeof name) != 0) return base::Error::FromErrno("ptsname", errno);
  console_path_ = name;
  return base::Ok();
}

Status Monitor::Prepare() {
  TRY_CTX(OpenConsole(), "allocating the console");
  hierarchies_ = TRY(DetectHierarchies());
  host_ = TRY_CTX(CloneHostObjects(console_path_), "preparing /dev");
  return CloneInit(/*user_ns=*/true);
}

// The init, in new pid, uts, ipc and net namespaces (and user, unless
// privileged), waiting for its plan (RunContainerChild). It makes its mount
// namespace itself.
Status Monitor::CloneInit(bool user_ns) {
  auto socks = TRY(sys::UnixSocketPair());
  int pidfd = -1;
  struct clone_args args {};
  args.flags = CLONE_PIDFD | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
               (user_ns ? CLONE_NEWUSER : 0);
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) return base::Error::FromErrno("clone3 (new namespaces)", errno);
  if (pid == 0) RunContainerChild(socks.b.get(), std::move(host_), hierarchies_);
  init_pid_ = static_cast<pid_t>(pid);
  init_pidfd_.reset(pidfd);
  init_sock_ = std::move(socks.a);
  return base::Ok();
}

Status Monitor::WriteIdMaps() {
  std::string proc = "/proc/" + std::to_string(init_pid_);
  TRY_CTX(sys::WriteFile(proc + "/uid_map", "0 " + std::to_string(plan_.uid.host_base) + " " +
                                                std::to_string(plan_.uid.size) + "\n"),
          "writing uid_map");
  TRY_CTX(sys::WriteFile(proc + "/gid_map", "0 " + std::to_string(plan_.gid.host_base) + " " +
                                                std::to_string(plan_.gid.size) + "\n"),
          "writing gid_map");
  return base::Ok();
}

// Idmapped mounts of the image tree (read-only) and of the overlay directory, so
// on-disk ids 0..N appear as the container's 0..N with no chown of any file.
Status Monitor::SendIdmappedLayers(int sock) {
  UniqueFd userns = TRY(sys::Open("/proc/" + std::to_string(init_pid_) + "/ns/user", O_RDONLY));
  struct {
    std::string path;
    bool read_only;
  } layers[] = {{plan_.image_rootfs, true}, {plan_.OverlayDir(), false}};
  for (const auto& layer : layers) {
    UniqueFd tree = TRY(sys::OpenTree(AT_FDCWD, layer.path, OPEN_TREE_CLONE | AT_RECURSIVE));
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_IDMAP | (layer.read_only ? MOUNT_ATTR_RDONLY : 0);
    attr.userns_fd = static_cast<uint64_t>(userns.get());
    TRY_CTX(sys::MountSetattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr),
            "idmapping " + layer.path);
    TRY(sys::SendFd(sock, tree.get()));
  }
  return base::Ok();
}

// Waits for nestd's word that the container's cgroups are made (it makes them
// while this process starts, on a core otherwise idle then).
Status Monitor::AwaitCgroups() {
  char made = 0;
  ssize_t n;
  while ((n = ::read(cgroups_fd_.get(), &made, 1)) < 0 && errno == EINTR) {
  }
  cgroups_fd_.reset();
  if (n < 0) return base::Error::FromErrno("waiting for the container's cgroups", errno);
  if (n != 1 || made != '1')
    return base::Error::Internal("nestd did not make the container's cgroups");
  return base::Ok();
}

// For a failed start: kills the half-made init and reaps it (once).
void Monitor::KillInit() {
  if (!init_pidfd_) return;
  (void)sys::PidfdSendSignal(init_pidfd_.get(), SIGKILL);
  ::waitpid(init_pid_, nullptr, 0);
  init_pidfd_.reset();
}

int Monitor::StopSignal() const {
  // systemd shuts down on SIGRTMIN+3; busybox and sysvinit on SIGPWR.
  char target[256];
  std::string init = plan_.HostRoot() + "/sbin/init";
  ssize_t n = ::readlink(init.c_str(), target, sizeof target - 1);
  if (n > 0 && std::string(target, n).find("systemd") != std::string::npos) return SIGRTMIN + 3;
  return SIGPWR;
}

Status Monitor::Start(StartPlan plan, const std::string& text) {
  plan_ = std::move(plan);
  base::Reverter revert;
  revert.Add([this] { KillInit(); });
  StepTimer timer([this](const std::string& l) { Log(l); });
  if (plan_.privileged) {  // the init cloned ahead has a user namespace: replace it
    KillInit();
    TRY(CloneInit(/*user_ns=*/false));
    timer.Step("clone");
  }
  // The init cloned by a spare inherited its idle priority.
  struct sched_param normal {};
  if (::sched_setscheduler(init_pid_, SCHED_OTHER, &normal) < 0)
    return base::Error::FromErrno("putting the init at normal priority", errno);
  // Owned by the container's root and tty group (gid 5), so its init can open it.
  TRY(sys::Chown(console_path_, plan_.RootUid(), plan_.RootGid() + (plan_.privileged ? 0 : 5)));
  TRY(SendPlan(init_sock_.get(), text));
  timer.Step("plan");

  // The child builds its root (the sync steps of container_setup.h) while this
  // process moves it into its cgroups. Moving it before it runs (while it waits
  // for kSyncIdsMapped) measured slower: a running task moves in 0.5-2.5 ms
  // instead of ~0.15 ms, but the root is then built after the move, not beside
  // it (launch +0.57 ms, paired A/B).
  if (!plan_.privileged) TRY(WriteIdMaps());
  char step = kSyncIdsMapped;
  if (::write(init_sock_.get(), &step, 1) != 1) return base::Error::FromErrno("sync", errno);
  if (!plan_.privileged && !plan_.BindRootfs()) TRY(SendIdmappedLayers(init_sock_.get()));
  timer.Step("idmap+idmapped-layers");

  cgroup_ = std::make_unique<ContainerCgroup>(hierarchies_, plan_.cgroup);
  TRY(AwaitCgroups());
  timer.Step("cgroups-made");
  revert.Add([this] {
    KillInit();  // a cgroup with a process in it cannot be removed
    (void)cgroup_->Remove();
  });
  TRY_CTX(cgroup_->AddProcess(init_pid_), "moving init into its cgroup");
  step = kSyncCgroupJoined;
  if (::write(init_sock_.get(), &step, 1) != 1) return base::Error::FromErrno("sync", errno);
  timer.Step("cgroup-join");

  // The child closes its end on exec (success) or writes why it failed.
  std::string failure;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(init_sock_.get(), buf, sizeof buf)) > 0) failure.append(buf, n);
  if (!failure.empty()) return base::Error::Internal(failure);
  timer.Step("container-setup+exec");

  host_ = HostObjects{};  // the init has its own
  state_ = RunningState{::getpid(), init_pid_, NowNanos(), StopSignal()};
  TRY(sys::WriteFileAtomic(plan_.StateFile(), SerializeRunning(state_), 0644));
  revert.Success();
  return base::Ok();
}

std::string Monitor::Wait() {
  UniqueFd log =
      sys::Open(plan_.ConsoleLog(), O_WRONLY | O_CREAT | O_TRUNC, 0600).value_or(UniqueFd());
  constexpr off_t kMaxLog = 1 << 20;
  off_t written = 0;
  struct pollfd fds[2] = {{init_pidfd_.get(), POLLIN, 0}, {console_master_.get(), POLLIN, 0}};
  while (true) {
    int r = ::poll(fds, console_master_ ? 2 : 1, -1);
    if (r < 0 && errno == EINTR) continue;
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      char buf[4096];
      ssize_t n = ::read(console_master_.get(), buf, sizeof buf);
      if (n > 0 && log) {
        if (written > kMaxLog) {
          (void)::ftruncate(log.get(), 0);
          ::lseek(log.get(), 0, SEEK_SET);
          written = 0;
        }
        written += ::write(log.get(), buf, n);
      } else if (n <= 0 && errno != EAGAIN && errno != EINTR) {
        fds[1].fd = -1;  // no console readers left
      }
    }
    if (fds[0].revents & POLLIN) break;
  }
  int status = 0;
  ::waitpid(init_pid_, &status, 0);
  init_pidfd_.reset();
  if (WIFEXITED(status)) return "init exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "init was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "init ended (wait status " + std::to_string(status) + ")";
}

void Monitor::Cleanup() {
  if (cgroup_) {
    if (auto s = cgroup_->Remove(); !s) Log("removing cgroup: " + s.error().message());
  }
  (void)sys::Unlink(plan_.StateFile());
}

// The container's directory, the one line nestd writes on `job_fd`; empty when
// nestd closed it without one.
Result<std::string> ReadJob(int job_fd) {
  std::string dir;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(job_fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error::FromErrno("waiting for nestd to name the container", errno);
    dir.append(buf, n);
    if (dir.back() == '\n') break;
  }
  if (!dir.empty() && dir.back() == '\n') dir.pop_back();
  return dir;
}

// Writes the container's directory over the room nestd left in our command
// line (kSpareTitleRoom), so ps and FindRunning see "nest-monitor <dir>".
Status ShowContainer(std::span<char> title, const std::string& dir) {
  if (dir.size() + 1 > title.size()) {
    return base::Error::Invalid("container directory " + dir + " is longer than " +
                                std::to_string(title.size() - 1) + " bytes");
  }
  std::fill(std::copy(dir.begin(), dir.end(), title.begin()), title.end(), '\0');
  return base::Ok();
}

}  // namespace

int RunMonitor(std::span<char> title, int status_fd, int cgroups_fd, int job_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  (void)IgnoredSignals();  // asked now: the init, cloned below, restores them before its exec
  auto fail = [status_fd](const base::Error& e) {
    (void)sys::WriteFd(status_fd, "error " + e.message() + "\n");
    return 1;
  };
  Monitor monitor(cgroups_fd);
  if (auto s = monitor.Prepare(); !s) return fail(s.error());
  auto dir = ReadJob(job_fd);
  ::close(job_fd);
  if (!dir) return fail(dir.error());
  if (dir->empty()) return 0;  // given no container: nestd dropped this spare or exited
  // (A spare waited at idle priority: nestd put it back before naming its
  // container, and Start puts its init back.)
  if (auto s = ShowContainer(title, *dir); !s) return fail(s.error());

  auto text = sys::ReadFile(*dir + "/start.json");
  auto plan = text ? ParsePlan(*text) : base::Result<StartPlan>(text.error());
  if (!plan) return fail(plan.error());
  if (auto s = monitor.Start(std::move(*plan), *text); !s) {
    monitor.Log("start failed: " + s.error().message());
    fail(s.error());
    ::close(status_fd);
    return 1;
  }
  // nestd first: the log line (the time zone read for its stamp, the file
  // opened) is not needed to answer the start (~0.25 ms of every launch).
  (void)sys::WriteFd(status_fd, "ok " + SerializeRunning(monitor.state()) + "\n");
  ::close(status_fd);
  monitor.Log("started, init pid " + std::to_string(monitor.init_pid()));
  // Detach stdio from whoever started us.
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; ++i) ::dup2(null, i);
  std::string why = monitor.Wait();
  monitor.Log("stopped: " + why);
  monitor.Cleanup();
  return 0;
}

}  // namespace nest::runtime
