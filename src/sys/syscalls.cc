#include "sys/syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace nest::sys {
namespace {

base::Error Err(const std::string& what) { return base::Error::FromErrno(what, errno); }

}  // namespace

Result<UniqueFd> Open(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Err("open " + path);
  return UniqueFd(fd);
}

Result<UniqueFd> OpenAt(int dirfd, const std::string& path, int flags, mode_t mode) {
  int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Err("openat " + path);
  return UniqueFd(fd);
}

Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how));
  if (fd < 0) return Err("openat2 " + path);
  return UniqueFd(fd);
}

Status MkdirAt(int dirfd, const std::string& path, mode_t mode) {
  if (::mkdirat(dirfd, path.c_str(), mode) < 0 && errno != EEXIST) return Err("mkdir " + path);
  return base::Ok();
}

Status Mkdir(const std::string& path, mode_t mode) { return MkdirAt(AT_FDCWD, path, mode); }

Status MkdirAll(const std::string& path, mode_t mode) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      TRY(Mkdir(cur, mode));
    }
  }
  return base::Ok();
}

Status Chown(const std::string& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) < 0) return Err("chown " + path);
  return base::Ok();
}

Status Fchown(int fd, uid_t uid, gid_t gid) {
  if (::fchown(fd, uid, gid) < 0) return Err("fchown");
  return base::Ok();
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) < 0) return Err("rename " + from + " to " + to);
  return base::Ok();
}

Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) < 0) {
    if (errno == EEXIST)
      return base::Error::Conflict("renameat2 " + from + " to " + to + ": exists");
    return Err("renameat2 " + from + " to " + to);
  }
  return base::Ok();
}

Status Unlink(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return Err("unlink " + path);
  return base::Ok();
}

Status Rmdir(const std::string& path) {
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT) return Err("rmdir " + path);
  return base::Ok();
}

namespace {
Status RemoveAllAt(int parent, const std::string& name, const std::string& shown, dev_t dev) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return base::Ok();
    return Err("stat " + shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev)
      return base::Error::Conflict("refusing to remove " + shown + ": it is a mount point");
    int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Err("open " + shown);
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return Err("fdopendir " + shown);
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(dir)) {
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
        names.emplace_back(e->d_name);
    }
    Status status;
    for (const auto& n : names) {
      status = RemoveAllAt(::dirfd(dir), n, shown + "/" + n, dev);
      if (!status) break;
    }
    ::closedir(dir);
    TRY(std::move(status));
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
      return Err("rmdir " + shown);
    return base::Ok();
  }
  if (::unlinkat(parent, name.c_str(), 0) < 0 && errno != ENOENT) return Err("unlink " + shown);
  return base::Ok();
}
}  // namespace

Status RemoveAll(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return base::Ok();
    return Err("stat " + path);
  }
  return RemoveAllAt(AT_FDCWD, path, path, st.st_dev);
}

Status Symlink(const std::string& target, const std::string& path) {
  if (::symlink(target.c_str(), path.c_str()) < 0) return Err("symlink " + path);
  return base::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd = TRY(Open(path, O_RDONLY));
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Err("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status WriteFd(int fd, const std::string& content) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Err("write");
    }
    off += static_cast<size_t>(n);
  }
  return base::Ok();
}

Status WriteFile(const std::string& path, const std::string& content) {
  UniqueFd fd = TRY(Open(path, O_WRONLY));
  TRY_CTX(WriteFd(fd.get(), content), path);
  return base::Ok();
}

Status WriteFileAtomic(const std::string& path, const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    UniqueFd fd = TRY(Open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
    TRY_CTX(WriteFd(fd.get(), content), tmp);
  }
  return Rename(tmp, path);
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) < 0) {
    return Err("mount " + (fstype.empty() ? source : fstype) + " on " + target);
  }
  return base::Ok();
}

Status Umount2(const std::string& target, int flags) {
  if (::umount2(target.c_str(), flags) < 0) return Err("umount " + target);
  return base::Ok();
}

Result<UniqueFd> OpenTree(int dirfd, const std::string& path, unsigned flags) {
  int fd = static_cast<int>(::syscall(SYS_open_tree, dirfd, path.c_str(), flags | O_CLOEXEC));
  if (fd < 0) return Err("open_tree " + path);
  return UniqueFd(fd);
}

Status MoveMount(int from_fd, const std::string& from_path, int to_fd, const std::string& to_path,
                 unsigned flags) {
  if (::syscall(SYS_move_mount, from_fd, from_path.c_str(), to_fd, to_path.c_str(), flags) < 0)
    return Err("move_mount to " + to_path);
  return base::Ok();
}

Status MountSetattr(int dirfd, const std::string& path, unsigned flags, struct mount_attr* attr) {
  if (::syscall(SYS_mount_setattr, dirfd, path.c_str(), flags, attr, sizeof *attr) < 0)
    return Err("mount_setattr " + path);
  return base::Ok();
}

Result<UniqueFd> NewMount(const std::string& fstype, unsigned attrs) {
  int fs = static_cast<int>(::syscall(SYS_fsopen, fstype.c_str(), FSOPEN_CLOEXEC));
  if (fs < 0) return Err("fsopen " + fstype);
  UniqueFd fs_fd(fs);
  if (::syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    return Err("fsconfig create " + fstype);
  int mnt = static_cast<int>(::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs));
  if (mnt < 0) return Err("fsmount " + fstype);
  return UniqueFd(mnt);
}

Status PivotRoot(const std::string& new_root, const std::string& put_old) {
  if (::syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str()) < 0)
    return Err("pivot_root " + new_root);
  return base::Ok();
}

Result<UniqueFd> PidfdOpen(pid_t pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return Err("pidfd_open " + std::to_string(pid));
  return UniqueFd(fd);
}

Status PidfdSendSignal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0)
    return Err("pidfd_send_signal " + std::to_string(sig));
  return base::Ok();
}

Status Setns(int fd, int nstype) {
  if (::setns(fd, nstype) < 0) return Err("setns");
  return base::Ok();
}

Status Unshare(int flags) {
  if (::unshare(flags) < 0) return Err("unshare");
  return base::Ok();
}

Status Sethostname(const std::string& name) {
  if (::sethostname(name.data(), name.size()) < 0) return Err("sethostname " + name);
  return base::Ok();
}

Status Kill(pid_t pid, int sig) {
  if (::kill(pid, sig) < 0) return Err("kill " + std::to_string(pid));
  return base::Ok();
}

Result<PipePair> Pipe(int flags) {
  int fds[2];
  if (::pipe2(fds, flags) < 0) return Err("pipe2");
  return PipePair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<SocketPair> UnixSocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return Err("socketpair");
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status SendFd(int sock, int fd) {
  char byte = 'F';
  struct iovec iov {
    &byte, 1
  };
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  if (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) return Err("sendmsg (fd)");
  return base::Ok();
}

Result<UniqueFd> RecvFd(int sock) {
  char byte;
  struct iovec iov {
    &byte, 1
  };
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return Err("recvmsg (fd)");
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (n == 0 || !cmsg || cmsg->cmsg_type != SCM_RIGHTS)
    return base::Error::Internal("recvmsg: no file descriptor received");
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return UniqueFd(fd);
}

}  // namespace nest::sys
