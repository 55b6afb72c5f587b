#include "storage/dir_driver.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sstream>

#include "base/reverter.h"
#include "storage/shift_walk.h"
#include "storage/tree_copy.h"
#include "storage/tree_walk.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

std::string Rootfs(const std::string& dir) { return dir + "/rootfs"; }
std::string IdmapFile(const std::string& dir) { return dir + "/idmap"; }
std::string Journal(const std::string& dir) { return dir + "/shift.journal"; }

base::Result<core::Idmap> ReadDiskMap(const std::string& dir) {
  std::string text = TRY(sys::ReadFile(IdmapFile(dir)));
  std::istringstream in(text);
  core::Idmap m;
  in >> m.uid.host_base >> m.uid.size >> m.gid.host_base >> m.gid.size;
  if (!in) return base::Error::Invalid(IdmapFile(dir) + " is malformed: \"" + text + "\"");
  return m;
}

base::Status WriteDiskMap(const std::string& dir, const core::Idmap& m) {
  return sys::WriteFileAtomic(IdmapFile(dir),
                              std::to_string(m.uid.host_base) + " " + std::to_string(m.uid.size) +
                                  " " + std::to_string(m.gid.host_base) + " " +
                                  std::to_string(m.gid.size) + "\n",
                              0600);
}

// The map the tree is at, after finishing any interrupted walk.
base::Result<core::Idmap> SettledDiskMap(const std::string& dir) {
  auto commit = [&dir](const core::Idmap& m) { return WriteDiskMap(dir, m); };
  TRY_CTX(ResumeShift(Rootfs(dir), Journal(dir), commit),
          "finishing the interrupted id shift of " + dir);
  return ReadDiskMap(dir);
}

}  // namespace

base::Status DirDriver::Create(const std::string& dir, const std::string& image_rootfs) {
  std::string tmp = TRY(MakeTempSibling(dir));
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });
  TRY_CTX(CopyTree(image_rootfs, Rootfs(tmp)), "creating dir storage " + dir);
  TRY(WriteDiskMap(tmp, {{0, 0}, {0, 0}}));
  TRY(sys::RenameNoReplace(tmp, dir));
  revert.Success();
  return base::Ok();
}

base::Status DirDriver::Copy(const std::string& source_dir, const std::string& dir,
                             const std::string& /*image_rootfs*/) {
  core::Idmap source_map = TRY(SettledDiskMap(source_dir));
  std::string tmp = TRY(MakeTempSibling(dir));
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });
  TRY_CTX(CopyTree(Rootfs(source_dir), Rootfs(tmp), SpecialFiles::kCopy),
          "copying dir storage " + source_dir + " to " + dir);
  TRY(WriteDiskMap(tmp, source_map));
  TRY(sys::RenameNoReplace(tmp, dir));
  revert.Success();
  return base::Ok();
}

base::Result<RootfsMount> DirDriver::PrepareStart(const std::string& dir, const core::Idmap& map) {
  core::Idmap disk = TRY(SettledDiskMap(dir));
  core::IdShift shift = core::ShiftBetween(disk, map);
  if (!shift.IsIdentity()) {
    auto commit = [&dir](const core::Idmap& m) { return WriteDiskMap(dir, m); };
    TRY(ShiftTree(Rootfs(dir), Journal(dir), shift, commit));
  }
  return RootfsMount::kBind;
}

base::Status DirDriver::Delete(const std::string& dir) {
  TRY_CTX(sys::RemoveAll(dir), "deleting container storage");
  return base::Ok();
}

base::Result<int64_t> DirDriver::DiskUsage(const std::string& dir) {
  return TreeDiskUsage(Rootfs(dir));
}

base::Status DirDriver::WalkRoot(const std::string& dir, const std::string& /*image_rootfs*/,
                                 const RootVisitor& visit) {
  core::Idmap disk = TRY(SettledDiskMap(dir));
  core::IdShift unshift = core::ShiftBetween(disk, core::Unshifted(disk));
  return WalkTree(Rootfs(dir), [&](const TreeEntry& t) -> base::Status {
    RootEntry e{t.rel, t.st, t.dirfd, t.name, {}};
    e.st.st_uid = unshift.Uid(t.st.st_uid);
    e.st.st_gid = unshift.Gid(t.st.st_gid);
    if (S_ISREG(t.st.st_mode) || S_ISDIR(t.st.st_mode)) {
      int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (S_ISDIR(t.st.st_mode) ? O_DIRECTORY : 0);
      base::UniqueFd fd = TRY(sys::OpenAt(t.dirfd, t.name, flags));
      e.xattrs = TRY(ImageXattrs(fd.get(), t.rel));
      for (auto& [name, value] : e.xattrs) {
        if (name == "security.capability") value = TRY(core::ShiftFileCaps(value, unshift));
        if (name == "system.posix_acl_access" || name == "system.posix_acl_default") {
          value = TRY(core::ShiftPosixAcl(value, unshift));
        }
      }
    }
    return visit(e);
  });
}

}  // namespace nest::storage
