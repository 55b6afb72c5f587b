#include "storage/tree_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <map>
#include <utility>
#include <vector>

#include "storage/tree_walk.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

base::Status CopyBytes(int dst, int src, const std::string& shown, CopyStats* stats) {
  if (sys::Ficlone(dst, src, shown).ok()) {
    ++stats->reflinked;
    return base::Ok();
  }
  ++stats->copied;
  auto kernel = sys::CopyFileRange(dst, src, shown);
  if (kernel.ok()) return base::Ok();
  int e = kernel.error().sys_errno();
  if (e != EXDEV && e != ENOSYS && e != EOPNOTSUPP && e != EINVAL) return kernel.error();
  if (::lseek(src, 0, SEEK_SET) < 0 || ::lseek(dst, 0, SEEK_SET) < 0 || ::ftruncate(dst, 0) < 0) {
    return base::Error::FromErrno("rewinding " + shown, errno);
  }
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(src, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error::FromErrno("read " + shown, errno);
    if (n == 0) return base::Ok();
    TRY(sys::WriteFd(dst, std::string(buf.data(), n)));
  }
}

// Owner, mode and extended attributes of `dst` from `src`, in the order that
// keeps them all: chown first (it clears setuid/setgid and capabilities).
base::Status CopyAttributes(int dst, int src, const struct stat& st, const std::string& shown) {
  TRY(sys::Fchown(dst, st.st_uid, st.st_gid));
  TRY(sys::Fchmod(dst, st.st_mode & 07777, shown));
  for (const std::string& name : TRY(sys::Flistxattr(src, shown))) {
    auto value = TRY(sys::Fgetxattr(src, name, shown));
    if (value) TRY(sys::Fsetxattr(dst, name, *value, shown));
  }
  return base::Ok();
}

class Copier {
 public:
  Copier(base::UniqueFd dst_root, SpecialFiles special)
      : dst_root_(std::move(dst_root)), special_(special) {}

  base::Status Copy(const TreeEntry& e, CopyStats* stats) {
    ++stats->entries;
    std::string shown = e.rel.empty() ? "/" : e.rel;
    if (e.rel.empty()) return CopyDirAttributes(e, dst_root_.get(), shown);
    int parent = TRY(Parent(e.rel));
    std::string name = e.name;
    const struct stat& st = e.st;
    if (S_ISDIR(st.st_mode)) {
      TRY(sys::MkdirAt(parent, name, 0700));
      base::UniqueFd dir = TRY(sys::OpenAt(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      TRY(CopyDirAttributes(e, dir.get(), shown));
      return base::Ok();
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target = TRY(sys::Readlinkat(e.dirfd, e.name, shown));
      TRY(sys::Symlinkat(target, parent, name, shown));
      TRY(sys::Lchownat(parent, name, st.st_uid, st.st_gid, shown));
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      return sys::Lutimensat(parent, name, times, shown);
    }
    if (!S_ISREG(st.st_mode)) {
      if (special_ == SpecialFiles::kRefuse) {
        return base::Error::Invalid(shown + ": device nodes, fifos and sockets are not copied");
      }
      bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
      if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !whiteout) {
        return base::Error::Invalid(shown +
                                    ": a device node is not copied (only overlay whiteouts, "
                                    "fifos and sockets are)");
      }
      TRY(sys::Mknodat(parent, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev, shown));
      TRY(sys::Lchownat(parent, name, st.st_uid, st.st_gid, shown));
      TRY(sys::Fchmodat(parent, name, st.st_mode & 07777, shown));
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      return sys::Lutimensat(parent, name, times, shown);
    }
    if (st.st_nlink > 1) {
      auto [it, inserted] = links_.try_emplace({st.st_dev, st.st_ino}, e.rel);
      if (!inserted) return sys::Linkat(dst_root_.get(), it->second, parent, name, shown);
    }
    base::UniqueFd src = TRY(sys::OpenAt(e.dirfd, e.name, O_RDONLY | O_NOFOLLOW));
    base::UniqueFd dst =
        TRY(sys::OpenAt(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
    TRY(CopyBytes(dst.get(), src.get(), shown, stats));
    TRY(CopyAttributes(dst.get(), src.get(), st, shown));
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(dst.get(), times) < 0) return base::Error::FromErrno("futimens " + shown, errno);
    return base::Ok();
  }

  // Directory times last: creating their entries changed them.
  base::Status FinishDirectories() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      const auto& [rel, times] = *it;
      if (rel.empty()) {
        if (::futimens(dst_root_.get(), times.data()) < 0)
          return base::Error::FromErrno("futimens /", errno);
        continue;
      }
      TRY(sys::Lutimensat(dst_root_.get(), rel, times.data(), rel));
    }
    return base::Ok();
  }

 private:
  base::Status CopyDirAttributes(const TreeEntry& e, int dst, const std::string& shown) {
    base::UniqueFd src = TRY(sys::OpenAt(e.dirfd, e.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    TRY(CopyAttributes(dst, src.get(), e.st, shown));
    dirs_.push_back({e.rel, {e.st.st_atim, e.st.st_mtim}});
    return base::Ok();
  }

  // The destination directory holding `rel`, opened once per directory (the
  // walk visits a directory's entries together).
  base::Result<int> Parent(const std::string& rel) {
    size_t slash = rel.rfind('/');
    std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash);
    if (dir.empty()) return dst_root_.get();
    if (dir != parent_rel_ || !parent_) {
      // Every directory below the root was made by this copy: no symlink on the way.
      parent_ = TRY(sys::OpenAt(dst_root_.get(), dir, O_PATH | O_DIRECTORY | O_NOFOLLOW));
      parent_rel_ = dir;
    }
    return parent_.get();
  }

  base::UniqueFd dst_root_;
  const SpecialFiles special_;
  base::UniqueFd parent_;
  std::string parent_rel_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  std::vector<std::pair<std::string, std::array<struct timespec, 2>>> dirs_;
};

}  // namespace

base::Result<CopyStats> CopyTree(const std::string& src, const std::string& dst,
                                 SpecialFiles special) {
  if (::mkdir(dst.c_str(), 0700) < 0) return base::Error::FromErrno("mkdir " + dst, errno);
  base::UniqueFd root = TRY(sys::Open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  Copier copier(std::move(root), special);
  CopyStats stats;
  TRY_CTX(WalkTree(src, [&](const TreeEntry& e) { return copier.Copy(e, &stats); }),
          "copying " + src + " to " + dst);
  TRY_CTX(copier.FinishDirectories(), "copying " + src + " to " + dst);
  return stats;
}

}  // namespace nest::storage
