#include "storage/tree_walk.h"

#include <fcntl.h>

#include <set>
#include <utility>

#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

using Visitor = std::function<base::Status(const TreeEntry&)>;

base::Status WalkDir(int dirfd, const std::string& shown, const std::string& rel, dev_t dev,
                     const Visitor& visit) {
  std::vector<std::string> names = TRY(sys::ListDir(dirfd, shown));
  for (const std::string& name : names) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    std::string child_shown = shown + "/" + name;
    struct stat st = TRY(sys::Lstatat(dirfd, name, child_shown));
    if (S_ISDIR(st.st_mode) && st.st_dev != dev) {
      return base::Error::Conflict(child_shown + " is a mount point: refusing to walk into it");
    }
    if (auto s = visit({dirfd, name, child_rel, st}); !s) {
      return std::move(s).error().Context(child_shown);
    }
    if (!S_ISDIR(st.st_mode)) continue;
    base::UniqueFd child =
        TRY(sys::OpenAt(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOCTTY));
    TRY(WalkDir(child.get(), child_shown, child_rel, dev, visit));
  }
  return base::Ok();
}

}  // namespace

base::Status WalkTree(const std::string& root, const Visitor& visit) {
  base::UniqueFd fd = TRY(sys::Open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  std::string dot = ".";
  std::string empty;
  struct stat st = TRY(sys::Lstatat(fd.get(), dot, root));
  if (auto s = visit({fd.get(), dot, empty, st}); !s) return std::move(s).error().Context(root);
  return WalkDir(fd.get(), root, "", st.st_dev, visit);
}

base::Result<int64_t> TreeDiskUsage(const std::string& root) {
  int64_t bytes = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  TRY(WalkTree(root, [&](const TreeEntry& e) -> base::Status {
    if (e.st.st_nlink > 1 && !S_ISDIR(e.st.st_mode) &&
        !seen.insert({e.st.st_dev, e.st.st_ino}).second) {
      return base::Ok();
    }
    bytes += static_cast<int64_t>(e.st.st_blocks) * 512;
    return base::Ok();
  }));
  return bytes;
}

}  // namespace nest::storage
