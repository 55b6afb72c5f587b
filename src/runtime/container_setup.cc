#include "runtime/container_setup.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "runtime/seccomp.h"
#include "runtime/signals.h"
#include "sys/syscalls.h"

namespace nest::runtime {
namespace {

using base::Status;

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;
const char* const kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

Status AwaitMonitor(int sock, char step) {
  char got = 0;
  if (::read(sock, &got, 1) != 1) return base::Error::Internal("monitor went away before start");
  if (got != step) {
    return base::Error::Internal(std::string("monitor out of step: got '") + got + "', wanted '" +
                                 step + "'");
  }
  return base::Ok();
}

// Dies with the monitor: SIGKILL when it exits. The kernel clears this on any
// change of credentials, so it is set again after BecomeRoot; the monitor keeps
// its end of `sock` open until the init has exec'd, so a hang-up there means it
// is already gone (before the signal was armed).
Status DieWithMonitor(int sock) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
    return base::Error::FromErrno("PR_SET_PDEATHSIG", errno);
  struct pollfd pfd = {sock, POLLRDHUP, 0};
  if (::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP))) {
    return base::Error::Internal("monitor went away before start");
  }
  return base::Ok();
}

Status BecomeRoot(const StartPlan& plan) {
  if (plan.privileged) return base::Ok();
  if (::setgroups(0, nullptr) < 0) return base::Error::FromErrno("setgroups", errno);
  if (::setresgid(0, 0, 0) < 0) return base::Error::FromErrno("setresgid 0", errno);
  if (::setresuid(0, 0, 0) < 0) return base::Error::FromErrno("setresuid 0", errno);
  return base::Ok();
}

// Builds the root filesystem at plan.RootfsMountPoint(): for the dir driver a
// bind mount of the shifted tree; for overlay, overlayfs over the
// image tree (lower) and the container's own upper directory. Unprivileged, both
// layers arrive as idmapped mounts and the overlay is mounted from inside the
// user namespace (an idmapped mount of an overlay itself fails on this kernel).
Status MountRootfs(const StartPlan& plan, int sock) {
  if (plan.BindRootfs()) {
    // The tree is already in the container's ids (dir driver): pivot_root only
    // needs it to be a mount point.
    TRY_CTX(sys::Mount(plan.RootfsMountPoint(), plan.RootfsMountPoint(), "", MS_BIND | MS_REC, ""),
            "bind-mounting rootfs");
    return base::Ok();
  }
  std::string lower = plan.image_rootfs;
  std::string overlay = plan.OverlayDir();
  std::string extra;
  if (!plan.privileged) {
    base::UniqueFd lower_fd = TRY_CTX(sys::RecvFd(sock), "receiving the image mount");
    base::UniqueFd upper_fd = TRY_CTX(sys::RecvFd(sock), "receiving the overlay mount");
    TRY_CTX(sys::MoveMount(lower_fd.get(), "", AT_FDCWD, plan.LowerMountPoint(),
                           MOVE_MOUNT_F_EMPTY_PATH),
            "attaching the idmapped image");
    TRY_CTX(sys::MoveMount(upper_fd.get(), "", AT_FDCWD, overlay, MOVE_MOUNT_F_EMPTY_PATH),
            "attaching the idmapped overlay directory");
    lower = plan.LowerMountPoint();
    extra = ",userxattr";
  }
  std::string data =
      "lowerdir=" + lower + ",upperdir=" + overlay + "/upper,workdir=" + overlay + "/work" + extra;
  TRY_CTX(sys::Mount("overlay", plan.RootfsMountPoint(), "overlay", 0, data), "mounting rootfs");
  return base::Ok();
}

// Mounts a fresh `fstype` on <root>/<name>, resolved inside the root (a symlink
// in the image cannot redirect it). proc and sysfs must be mounted before the
// host's tree is detached: the kernel lets a user namespace mount them only
// while an instance is fully visible to it.
Status MountInRoot(int root_fd, const std::string& fstype, const std::string& name) {
  TRY(sys::MkdirAt(root_fd, name, 0555));
  base::UniqueFd target = TRY(sys::OpenInRoot(root_fd, name, O_PATH | O_DIRECTORY));
  base::UniqueFd mnt =
      TRY(sys::NewMount(fstype, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
  return sys::MoveMount(mnt.get(), "", target.get(), "",
                        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

Status PivotInto(const std::string& rootfs) {
  base::UniqueFd root = TRY(sys::Open(rootfs, O_PATH | O_DIRECTORY));
  base::UniqueFd dir = TRY(sys::Open(rootfs, O_RDONLY | O_DIRECTORY));
  TRY(MountInRoot(dir.get(), "proc", "proc"));
  TRY(MountInRoot(dir.get(), "sysfs", "sys"));
  if (::fchdir(root.get()) < 0) return base::Error::FromErrno("fchdir rootfs", errno);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching "."
  // then leaves only the new root (no put_old directory needed inside the image).
  TRY(sys::PivotRoot(".", "."));
  TRY(sys::Umount2(".", MNT_DETACH));
  if (::chdir("/") < 0) return base::Error::FromErrno("chdir /", errno);
  return base::Ok();
}

// Kernel filesystems a container cannot mount (debugfs, tracefs, configfs,
// fusectl need the initial user namespace) but whose directories sysfs shows:
// systemd's sys-kernel-debug.mount and friends would try and fail, leaving the
// system "degraded". Each directory is bind-mounted onto itself, so systemd finds
// it already mounted (LXD binds the host's directories there for the same end);
// it stays the empty sysfs directory it was.
Status MarkSysfsApiDirsMounted() {
  for (const char* dir : {"/sys/kernel/debug", "/sys/kernel/tracing", "/sys/kernel/config",
                          "/sys/fs/fuse/connections"}) {
    if (!sys::Exists(dir)) continue;
    TRY(sys::Mount(dir, dir, "", MS_BIND, ""));
  }
  return base::Ok();
}

Status MountCgroups(const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups,
                    const HostObjects& clones) {
  bool pure_v2 = cgroups.size() == 1 && cgroups.front()->InsideName().empty();
  if (pure_v2) {
    return sys::Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", kNoSuidDevExec, "");
  }
  TRY(sys::Mount("tmpfs", "/sys/fs/cgroup", "tmpfs", kNoSuidDevExec, "mode=755,size=64k"));
  for (const auto& h : cgroups) {
    std::string target = "/sys/fs/cgroup/" + h->InsideName();
    TRY(sys::Mkdir(target, 0755));
    TRY(sys::Mount("cgroup", target, h->InsideFstype(), kNoSuidDevExec, h->InsideOptions()));
  }
  for (const auto& [name, target] : clones.cgroup_links) {
    (void)sys::Symlink(target, "/sys/fs/cgroup/" + name);
  }
  return base::Ok();
}

Status BindFileClone(const base::UniqueFd& clone, const std::string& path) {
  base::UniqueFd f = TRY(sys::Open(path, O_CREAT | O_WRONLY | O_NOFOLLOW, 0000));
  f.reset();
  return sys::MoveMount(clone.get(), "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

Status MountDev(const HostObjects& clones, bool nesting) {
  TRY(sys::Mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=4m"));
  for (const auto& [name, clone] : clones.devices) TRY(BindFileClone(clone, "/dev/" + name));
  TRY(BindFileClone(clones.console, "/dev/console"));
  TRY(sys::Mkdir("/dev/pts", 0755));
  TRY(sys::Mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  TRY(sys::Symlink("pts/ptmx", "/dev/ptmx"));
  TRY(sys::Mkdir("/dev/shm", 01777));
  TRY(sys::Mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
  TRY(sys::Symlink("/proc/self/fd", "/dev/fd"));
  TRY(sys::Symlink("/proc/self/fd/0", "/dev/stdin"));
  TRY(sys::Symlink("/proc/self/fd/1", "/dev/stdout"));
  TRY(sys::Symlink("/proc/self/fd/2", "/dev/stderr"));
  if (nesting) {
    // A nested runtime that makes its own user namespace must mount a fresh proc;
    // the kernel allows that only while an uncovered proc is visible.
    TRY(sys::Mkdir("/dev/.lxc", 0755));
    TRY(sys::Mkdir("/dev/.lxc/proc", 0755));
    TRY(sys::Mkdir("/dev/.lxc/sys", 0755));
    TRY(sys::Mount("proc", "/dev/.lxc/proc", "proc", kNoSuidDevExec, ""));
    TRY(sys::Mount("sysfs", "/dev/.lxc/sys", "sysfs", kNoSuidDevExec, ""));
  }
  return base::Ok();
}

// Rendered image templates, written as the container's root inside its own root
// (after pivot_root nothing outside it is reachable). A file whose directory
// does not exist is skipped, as LXD does.
Status WriteFiles(const StartPlan& plan) {
  for (const auto& f : plan.files) {
    int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (f.create_only ? O_EXCL : O_TRUNC);
    auto fd = sys::Open(f.path, flags, 0644);
    if (!fd) {
      int e = fd.error().sys_errno();
      if (e == ENOENT || (f.create_only && e == EEXIST)) continue;
      return std::move(fd).error();
    }
    TRY_CTX(sys::WriteFd(fd->get(), f.content), "writing template " + f.path);
  }
  return base::Ok();
}

Status AttachConsole() {
  if (::setsid() < 0) return base::Error::FromErrno("setsid", errno);
  base::UniqueFd console = TRY(sys::Open("/dev/console", O_RDWR | O_NOCTTY));
  if (::ioctl(console.get(), TIOCSCTTY, 0) < 0) return base::Error::FromErrno("TIOCSCTTY", errno);
  for (int i = 0; i < 3; ++i) {
    if (::dup2(console.get(), i) < 0) return base::Error::FromErrno("dup2 console", errno);
  }
  return base::Ok();
}

// Copies now, while this init waits, every writable page it shares with its
// monitor since the clone: otherwise its first writes after the plan arrives
// take a copy-on-write fault each, on the launch's critical path. Pages it
// never touches are freed by its exec.
void OwnWritablePages() {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (!maps) return;
  char line[512];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3) continue;
    if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p') continue;
    (void)::madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);
  }
  std::fclose(maps);
}

// Closes every descriptor from 3 up but those in `keep`.
void CloseAllBut(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > from) ::syscall(SYS_close_range, from, fd - 1, 0);
    from = fd + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0);
}

// The plan the monitor sends first; nullopt if it closes the socket instead.
base::Result<std::optional<StartPlan>> ReceivePlan(int sock) {
  uint32_t size = 0;
  ssize_t n = ::recv(sock, &size, sizeof size, MSG_WAITALL);
  if (n == 0) return std::optional<StartPlan>();
  if (n != sizeof size) return base::Error::Internal("monitor went away while sending the plan");
  std::string text(size, '\0');
  if (::recv(sock, text.data(), size, MSG_WAITALL) != static_cast<ssize_t>(size)) {
    return base::Error::Internal("monitor went away while sending the plan");
  }
  return std::optional<StartPlan>(TRY(ParsePlan(text)));
}

Status SetupAndExec(const StartPlan& plan, int sock, HostObjects clones,
                    const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups) {
  // Private: nothing this container mounts reaches the host.
  TRY_CTX(sys::Unshare(CLONE_NEWNS), "making the mount namespace");
  TRY(sys::Mount("", "/", "", MS_REC | MS_PRIVATE, ""));
  TRY(AwaitMonitor(sock, kSyncIdsMapped));
  TRY_CTX(BecomeRoot(plan), "becoming root in the user namespace");
  TRY(DieWithMonitor(sock));
  TRY(sys::Sethostname(plan.name));
  TRY(MountRootfs(plan, sock));
  TRY_CTX(PivotInto(plan.RootfsMountPoint()), "entering rootfs");
  TRY_CTX(MarkSysfsApiDirsMounted(), "preparing /sys");
  // The cgroup namespace is rooted where this process is when it is made: in
  // the container's cgroups, which the monitor has been moving it into meanwhile.
  TRY(AwaitMonitor(sock, kSyncCgroupJoined));
  TRY(sys::Unshare(CLONE_NEWCGROUP));
  TRY_CTX(MountCgroups(cgroups, clones), "mounting cgroups");
  TRY(sys::Mkdir("/dev", 0755));
  TRY_CTX(MountDev(clones, plan.nesting), "populating /dev");
  clones = HostObjects{};
  TRY_CTX(WriteFiles(plan), "applying image templates");
  TRY_CTX(AttachConsole(), "attaching the console");
  if (!plan.privileged) {
    if (int e = LoadSeccompProgram(plan.seccomp); e != 0) {
      return base::Error::FromErrno("loading the seccomp policy", e);
    }
  }
  ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  RestoreDefaultActions(IgnoredSignals());  // the monitor's SIGPIPE

  std::vector<char*> argv;
  for (const auto& a : plan.init_argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(argv[0], argv.data(), envp.data());
  return base::Error::FromErrno("exec " + plan.init_argv[0], errno);
}

}  // namespace

void RunContainerChild(int sock, HostObjects host,
                       const std::vector<std::shared_ptr<CgroupHierarchy>>& cgroups) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Only the socket and the host objects stay open: a copy of nestd's status
  // pipe held here would hide the monitor's exit from nestd.
  std::vector<int> keep = {sock, host.console.get()};
  for (const auto& [name, fd] : host.devices) keep.push_back(fd.get());
  CloseAllBut(keep);
  // Named apart from its monitor while it waits for a plan (it is a copy of it).
  ::prctl(PR_SET_NAME, "nest-init");
  OwnWritablePages();
  auto plan = ReceivePlan(sock);
  if (!plan) {
    (void)sys::WriteFd(sock, plan.error().message());
    ::_exit(1);
  }
  if (!*plan) ::_exit(0);  // the monitor was not given a container
  Status s = SetupAndExec(**plan, sock, std::move(host), cgroups);
  std::string msg = s ? "exec returned" : s.error().message();
  (void)sys::WriteFd(sock, msg);
  ::_exit(1);
}

base::Result<HostObjects> CloneHostObjects(const std::string& console_path) {
  HostObjects c;
  for (const char* d : kDevices) {
    c.devices[d] = TRY(sys::OpenTree(AT_FDCWD, std::string("/dev/") + d, OPEN_TREE_CLONE));
  }
  c.console = TRY(sys::OpenTree(AT_FDCWD, console_path, OPEN_TREE_CLONE));
  if (DIR* d = ::opendir("/sys/fs/cgroup")) {
    while (struct dirent* e = ::readdir(d)) {
      if (e->d_type != DT_LNK) continue;
      char target[256];
      std::string path = std::string("/sys/fs/cgroup/") + e->d_name;
      ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
      if (n > 0) c.cgroup_links.emplace_back(e->d_name, std::string(target, n));
    }
    ::closedir(d);
  }
  return c;
}

base::Status SendPlan(int sock, const std::string& plan_text) {
  uint32_t size = static_cast<uint32_t>(plan_text.size());
  std::string message(reinterpret_cast<const char*>(&size), sizeof size);
  message += plan_text;
  TRY_CTX(sys::WriteFd(sock, message), "sending the start plan to the init");
  return base::Ok();
}

}  // namespace nest::runtime
