// Wrappers for the fd-relative file calls a tree walk needs (*at, f*xattr,
// FICLONE, copy_file_range): one per syscall, each error naming the call and the
// object as `shown` (a path for messages; the call itself uses dirfd + name).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::sys {

using base::Result;
using base::Status;

// fstatat(2) with AT_SYMLINK_NOFOLLOW.
Result<struct stat> Lstatat(int dirfd, const std::string& name, const std::string& shown);
// fchownat(2) with AT_SYMLINK_NOFOLLOW (lchown: a symlink itself, never its target).
Status Lchownat(int dirfd, const std::string& name, uid_t uid, gid_t gid, const std::string& shown);
Status Fchmod(int fd, mode_t mode, const std::string& shown);
// utimensat(2) with AT_SYMLINK_NOFOLLOW.
Status Lutimensat(int dirfd, const std::string& name, const struct timespec times[2],
                  const std::string& shown);
Status Symlinkat(const std::string& target, int dirfd, const std::string& name,
                 const std::string& shown);
// mknodat(2): a device node, fifo or socket (`mode` holds the type).
Status Mknodat(int dirfd, const std::string& name, mode_t mode, dev_t dev,
               const std::string& shown);
// fchmodat(2) without flags: `name` must not be a symlink (Linux cannot chmod one).
Status Fchmodat(int dirfd, const std::string& name, mode_t mode, const std::string& shown);
Result<std::string> Readlinkat(int dirfd, const std::string& name, const std::string& shown);
// linkat(2) without AT_SYMLINK_FOLLOW.
Status Linkat(int olddirfd, const std::string& oldname, int newdirfd, const std::string& newname,
              const std::string& shown);
// getdents: the names in the directory (not "." or ".."), sorted bytewise.
Result<std::vector<std::string>> ListDir(int dirfd, const std::string& shown);

// Extended attributes of an open file. FGetxattr: nullopt when absent (ENODATA).
Result<std::vector<std::string>> Flistxattr(int fd, const std::string& shown);
Result<std::optional<std::string>> Fgetxattr(int fd, const std::string& name,
                                             const std::string& shown);
Status Fsetxattr(int fd, const std::string& name, const std::string& value,
                 const std::string& shown);
Status Fremovexattr(int fd, const std::string& name, const std::string& shown);

// ioctl(FICLONE): shares the extents of `src` (reflink). Fails with the
// filesystem's errno (EOPNOTSUPP, EXDEV, EINVAL) where it cannot.
Status Ficlone(int dst, int src, const std::string& shown);
// copy_file_range(2) until EOF; returns the bytes copied.
Result<int64_t> CopyFileRange(int dst, int src, const std::string& shown);
// pwrite(2) of all of `data` at `offset`.
Status Pwrite(int fd, const std::string& data, off_t offset, const std::string& shown);

}  // namespace nest::sys
