#include "storage/overlay_driver.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/reverter.h"
#include "storage/tree_copy.h"
#include "storage/tree_walk.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

std::string UpperDir(const std::string& dir) { return dir + "/overlay/upper"; }

bool XattrIs(int fd, const char* name, const char* value, const std::string& shown) {
  auto v = sys::Fgetxattr(fd, name, shown);
  return v.ok() && v->has_value() && **v == value;
}

bool HasXattr(int fd, const char* name, const std::string& shown) {
  auto v = sys::Fgetxattr(fd, name, shown);
  return v.ok() && v->has_value();
}

// Overlayfs marks (userxattr in a user namespace: user.overlay.*; privileged:
// trusted.overlay.*).
bool IsOpaque(int dirfd) {
  return XattrIs(dirfd, "user.overlay.opaque", "y", "") ||
         XattrIs(dirfd, "trusted.overlay.opaque", "y", "");
}

base::Result<bool> IsWhiteout(int dirfd, const std::string& name, const struct stat& st,
                              const std::string& shown) {
  if (S_ISCHR(st.st_mode) && st.st_rdev == 0) return true;
  if (!S_ISREG(st.st_mode) || st.st_size != 0) return false;
  base::UniqueFd fd = TRY(sys::OpenAt(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
  return HasXattr(fd.get(), "user.overlay.whiteout", shown) ||
         HasXattr(fd.get(), "trusted.overlay.whiteout", shown);
}

class MergedWalk {
 public:
  explicit MergedWalk(const RootVisitor& visit) : visit_(visit) {}

  // Visits `name` in (upper, lower) — either fd may be -1 — and below it.
  base::Status Dir(int upper, int lower, const std::string& rel) {
    std::vector<std::string> names;
    if (upper >= 0) names = TRY(sys::ListDir(upper, "upper/" + rel));
    if (lower >= 0) {
      auto more = TRY(sys::ListDir(lower, "lower/" + rel));
      names.insert(names.end(), more.begin(), more.end());
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
    }
    for (const std::string& name : names) {
      std::string child = rel.empty() ? name : rel + "/" + name;
      std::optional<struct stat> ust, lst;
      if (upper >= 0) {
        if (auto st = sys::Lstatat(upper, name, child); st.ok()) {
          ust = *st;
        } else if (st.error().sys_errno() != ENOENT) {
          return st.error();
        }
      }
      if (lower >= 0 && (!ust || S_ISDIR(ust->st_mode))) {
        if (auto st = sys::Lstatat(lower, name, child); st.ok()) {
          lst = *st;
        } else if (st.error().sys_errno() != ENOENT) {
          return st.error();
        }
      }
      if (ust && TRY(IsWhiteout(upper, name, *ust, child))) continue;
      int from = ust ? upper : lower;
      const struct stat& st = ust ? *ust : *lst;
      TRY(Visit(from, name, child, st));
      if (!S_ISDIR(st.st_mode)) continue;
      base::UniqueFd cu, cl;
      bool opaque = false;
      if (ust) {
        cu = TRY(sys::OpenAt(upper, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        opaque = IsOpaque(cu.get());
      }
      if (lst && S_ISDIR(lst->st_mode) && !opaque) {
        cl = TRY(sys::OpenAt(lower, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      }
      TRY(Dir(cu ? cu.get() : -1, cl ? cl.get() : -1, child));
    }
    return base::Ok();
  }

  base::Status Visit(int dirfd, const std::string& name, const std::string& rel,
                     const struct stat& st) {
    RootEntry e{rel, st, dirfd, name, {}};
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
      int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
      base::UniqueFd fd = TRY(sys::OpenAt(dirfd, name, flags));
      e.xattrs = TRY(ImageXattrs(fd.get(), rel));
    }
    return visit_(e);
  }

 private:
  const RootVisitor& visit_;
};

}  // namespace

base::Status OverlayDriver::Create(const std::string& dir, const std::string& /*image_rootfs*/) {
  if (sys::Exists(dir)) return base::Error::Conflict("storage " + dir + " already exists");
  base::Reverter revert;
  // 0711: the container's root (a mapped uid) must traverse to its mount points.
  TRY(sys::Mkdir(dir, 0711));
  ::chmod(dir.c_str(), 0711);
  revert.Add([dir] { (void)sys::RemoveAll(dir); });
  for (const char* sub : {"/overlay", "/overlay/upper", "/overlay/work", "/lower", "/rootfs"}) {
    TRY(sys::Mkdir(dir + sub, 0755));
  }
  revert.Success();
  return base::Ok();
}

base::Status OverlayDriver::Copy(const std::string& source_dir, const std::string& dir,
                                 const std::string& /*image_rootfs*/) {
  if (!sys::Exists(UpperDir(source_dir))) {
    return base::Error::NotFound("overlay storage " + source_dir +
                                 " has no overlay/upper directory");
  }
  std::string tmp = TRY(MakeTempSibling(dir));
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });
  for (const char* sub : {"/overlay", "/overlay/work", "/lower", "/rootfs"}) {
    TRY(sys::Mkdir(tmp + sub, 0755));
  }
  TRY_CTX(CopyTree(UpperDir(source_dir), UpperDir(tmp), SpecialFiles::kCopy),
          "copying overlay storage " + source_dir + " to " + dir);
  TRY(sys::RenameNoReplace(tmp, dir));
  revert.Success();
  return base::Ok();
}

base::Result<RootfsMount> OverlayDriver::PrepareStart(const std::string& dir,
                                                      const core::Idmap& /*map*/) {
  if (!sys::Exists(UpperDir(dir))) {
    return base::Error::NotFound("overlay storage " + dir + " has no overlay/upper directory");
  }
  return RootfsMount::kOverlay;
}

base::Status OverlayDriver::Delete(const std::string& dir) {
  TRY_CTX(sys::RemoveAll(dir), "deleting container storage");
  return base::Ok();
}

base::Result<int64_t> OverlayDriver::DiskUsage(const std::string& dir) {
  return TreeDiskUsage(UpperDir(dir));
}

base::Status OverlayDriver::WalkRoot(const std::string& dir, const std::string& image_rootfs,
                                     const RootVisitor& visit) {
  base::UniqueFd upper = TRY(sys::Open(UpperDir(dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  base::UniqueFd lower = TRY(sys::Open(image_rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  MergedWalk walk(visit);
  // The merged root's attributes are the upper directory's.
  struct stat st = TRY(sys::Lstatat(upper.get(), ".", UpperDir(dir)));
  TRY(walk.Visit(upper.get(), ".", "", st));
  return walk.Dir(upper.get(), lower.get(), "");
}

}  // namespace nest::storage
