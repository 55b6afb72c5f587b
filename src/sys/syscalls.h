// Thin wrappers, one per syscall, returning Result; each error names the call and
// its object. No policy lives here.
#pragma once

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::sys {

using base::Result;
using base::Status;
using base::UniqueFd;

Result<UniqueFd> Open(const std::string& path, int flags, mode_t mode = 0);
Result<UniqueFd> OpenAt(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` is resolved as if
// `root_fd` were "/", so no symlink or ".." can lead outside it.
Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags, mode_t mode = 0);
Status MkdirAt(int dirfd, const std::string& path, mode_t mode);  // EEXIST is success
Status Mkdir(const std::string& path, mode_t mode);               // EEXIST is success
Status MkdirAll(const std::string& path, mode_t mode);
Status Chown(const std::string& path, uid_t uid, gid_t gid);
Status Fchown(int fd, uid_t uid, gid_t gid);
Status Rename(const std::string& from, const std::string& to);
// renameat2(2) with RENAME_NOREPLACE: EEXIST (kConflict) rather than replacing `to`.
Status RenameNoReplace(const std::string& from, const std::string& to);
Status Unlink(const std::string& path);     // ENOENT is success
Status Rmdir(const std::string& path);      // ENOENT is success
Status RemoveAll(const std::string& path);  // does not cross mount points
Status Symlink(const std::string& target, const std::string& path);

Result<std::string> ReadFile(const std::string& path);
// Writes via a temporary file and rename(2): readers never see a partial file.
// Not fsync'd: what nest writes this way (start plans, running state, image
// trees being built) is meaningless after a host crash or is rebuilt.
Status WriteFileAtomic(const std::string& path, const std::string& content, mode_t mode);
// Plain write (for /proc and cgroup files, which cannot be renamed over).
Status WriteFile(const std::string& path, const std::string& content);
Status WriteFd(int fd, const std::string& content);
bool Exists(const std::string& path);

Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data);
Status Umount2(const std::string& target, int flags);
Result<UniqueFd> OpenTree(int dirfd, const std::string& path, unsigned flags);
Status MoveMount(int from_fd, const std::string& from_path, int to_fd, const std::string& to_path,
                 unsigned flags);
Status MountSetattr(int dirfd, const std::string& path, unsigned flags, struct mount_attr* attr);
// A new, detached filesystem instance (fsopen + FSCONFIG_CMD_CREATE + fsmount)
// with mount attributes `attrs` (MOUNT_ATTR_*); attach it with MoveMount.
Result<UniqueFd> NewMount(const std::string& fstype, unsigned attrs);
Status PivotRoot(const std::string& new_root, const std::string& put_old);

Result<UniqueFd> PidfdOpen(pid_t pid);
Status PidfdSendSignal(int pidfd, int sig);
Status Setns(int fd, int nstype);
Status Unshare(int flags);
Status Sethostname(const std::string& name);
Status Kill(pid_t pid, int sig);

struct PipePair {
  UniqueFd read;
  UniqueFd write;
};
Result<PipePair> Pipe(int flags = O_CLOEXEC);
struct SocketPair {
  UniqueFd a;
  UniqueFd b;
};
Result<SocketPair> UnixSocketPair();
Status SendFd(int sock, int fd);
Result<UniqueFd> RecvFd(int sock);

}  // namespace nest::sys
