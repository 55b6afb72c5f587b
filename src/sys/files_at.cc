#include "sys/files_at.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nest::sys {
namespace {

base::Error Err(const std::string& what) { return base::Error::FromErrno(what, errno); }

}  // namespace

Result<struct stat> Lstatat(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return Err("stat " + shown);
  return st;
}

Status Lchownat(int dirfd, const std::string& name, uid_t uid, gid_t gid,
                const std::string& shown) {
  if (::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return Err("lchown " + shown);
  return base::Ok();
}

Status Fchmod(int fd, mode_t mode, const std::string& shown) {
  if (::fchmod(fd, mode) < 0) return Err("chmod " + shown);
  return base::Ok();
}

Status Lutimensat(int dirfd, const std::string& name, const struct timespec times[2],
                  const std::string& shown) {
  if (::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
    return Err("utimensat " + shown);
  return base::Ok();
}

Status Symlinkat(const std::string& target, int dirfd, const std::string& name,
                 const std::string& shown) {
  if (::symlinkat(target.c_str(), dirfd, name.c_str()) < 0) return Err("symlink " + shown);
  return base::Ok();
}

Status Mknodat(int dirfd, const std::string& name, mode_t mode, dev_t dev,
               const std::string& shown) {
  if (::mknodat(dirfd, name.c_str(), mode, dev) < 0) return Err("mknod " + shown);
  return base::Ok();
}

Status Fchmodat(int dirfd, const std::string& name, mode_t mode, const std::string& shown) {
  if (::fchmodat(dirfd, name.c_str(), mode, 0) < 0) return Err("chmod " + shown);
  return base::Ok();
}

Result<std::string> Readlinkat(int dirfd, const std::string& name, const std::string& shown) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
  if (n < 0) return Err("readlink " + shown);
  if (static_cast<size_t>(n) == buf.size())
    return base::Error::Invalid("readlink " + shown + ": target longer than 4095 bytes");
  buf.resize(n);
  return buf;
}

Status Linkat(int olddirfd, const std::string& oldname, int newdirfd, const std::string& newname,
              const std::string& shown) {
  if (::linkat(olddirfd, oldname.c_str(), newdirfd, newname.c_str(), 0) < 0)
    return Err("link " + shown);
  return base::Ok();
}

Result<std::vector<std::string>> ListDir(int dirfd, const std::string& shown) {
  // fdopendir takes the fd over: give it a duplicate opened on the same directory.
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Err("open " + shown);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return Err("fdopendir " + shown);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.emplace_back(e->d_name);
  }
  int saved = errno;
  ::closedir(d);
  if (saved) return base::Error::FromErrno("readdir " + shown, saved);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> Flistxattr(int fd, const std::string& shown) {
  std::string buf;
  for (;;) {
    ssize_t n = ::flistxattr(fd, nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP) return std::vector<std::string>{};
      return Err("listxattr " + shown);
    }
    buf.resize(n);
    n = ::flistxattr(fd, buf.data(), buf.size());
    if (n < 0 && errno == ERANGE) continue;
    if (n < 0) return Err("listxattr " + shown);
    buf.resize(n);
    break;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < buf.size();) {
    size_t end = buf.find('\0', i);
    if (end == std::string::npos) end = buf.size();
    if (end > i) names.push_back(buf.substr(i, end - i));
    i = end + 1;
  }
  return names;
}

Result<std::optional<std::string>> Fgetxattr(int fd, const std::string& name,
                                             const std::string& shown) {
  for (;;) {
    ssize_t n = ::fgetxattr(fd, name.c_str(), nullptr, 0);
    if (n < 0 && (errno == ENODATA || errno == ENOTSUP)) return std::optional<std::string>();
    if (n < 0) return Err("getxattr " + name + " " + shown);
    std::string value(n, '\0');
    n = ::fgetxattr(fd, name.c_str(), value.data(), value.size());
    if (n < 0 && errno == ERANGE) continue;
    if (n < 0 && errno == ENODATA) return std::optional<std::string>();
    if (n < 0) return Err("getxattr " + name + " " + shown);
    value.resize(n);
    return std::optional<std::string>(std::move(value));
  }
}

Status Fsetxattr(int fd, const std::string& name, const std::string& value,
                 const std::string& shown) {
  if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) < 0)
    return Err("setxattr " + name + " " + shown);
  return base::Ok();
}

Status Fremovexattr(int fd, const std::string& name, const std::string& shown) {
  if (::fremovexattr(fd, name.c_str()) < 0 && errno != ENODATA)
    return Err("removexattr " + name + " " + shown);
  return base::Ok();
}

Status Ficlone(int dst, int src, const std::string& shown) {
  if (::ioctl(dst, FICLONE, src) < 0) return Err("ioctl FICLONE " + shown);
  return base::Ok();
}

Result<int64_t> CopyFileRange(int dst, int src, const std::string& shown) {
  int64_t total = 0;
  for (;;) {
    ssize_t n = ::copy_file_range(src, nullptr, dst, nullptr, size_t{1} << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Err("copy_file_range " + shown);
    if (n == 0) return total;
    total += n;
  }
}

Status Pwrite(int fd, const std::string& data, off_t offset, const std::string& shown) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Err("write " + shown);
    done += n;
  }
  return base::Ok();
}

}  // namespace nest::sys
