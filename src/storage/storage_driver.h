// How a container's root filesystem is kept, behind one interface: "overlay"
// (the default: the shared image tree plus a per-container upper directory,
// idmapped at start, O(1) create) and "dir" (a full copy of the image tree,
// shifted into the container's ids by a recorded, resumable chown walk).
// The server key storage.driver picks the driver at create; the container keeps
// it (volatile.storage.driver), so changing the key never breaks a container.
//
// Container directory $NEST_DIR/containers/<name>/, both drivers: rootfs/ (the
// root the container pivots into: a mount point for overlay, the tree for dir).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/idmap.h"

namespace nest::storage {

// What the container's start mounts (runtime::StartPlan::storage).
enum class RootfsMount {
  kOverlay,  // overlayfs: lower = the image tree, upper/work under overlay/
  kBind,     // rootfs/ bind-mounted onto itself: ids are already the container's
};

// One entry of a container's root as an image holds it (container ids).
struct RootEntry {
  std::string rel;  // below the root; "" for the root itself
  struct stat st;   // owner and group are container ids
  int dirfd;        // where the entry's content is read: openat(dirfd, name)
  std::string name;
  // The extended attributes an image keeps (user.* but user.overlay.*, POSIX
  // ACLs, security.capability), ids inside them as the container sees them.
  std::vector<std::pair<std::string, std::string>> xattrs;
};
using RootVisitor = std::function<base::Status(const RootEntry&)>;

class StorageDriver {
 public:
  virtual ~StorageDriver() = default;
  virtual std::string_view Name() const = 0;

  // Makes `container_dir` (which must not exist) with the container's root made
  // from `image_rootfs` (an image tree: container ids on disk). On failure
  // nothing is left.
  virtual base::Status Create(const std::string& container_dir,
                              const std::string& image_rootfs) = 0;
  // Makes `container_dir` (which must not exist) a copy of the stopped
  // container at `source_dir` (made by this driver from the image tree
  // `image_rootfs`): the copy's root is the source's as it is now, ids,
  // modes, times, extended attributes and special files (overlay whiteouts)
  // as on disk. Works in a temporary sibling (".tmp-<name>-*") renamed into
  // place at the end: on failure or a crash no half copy is left.
  virtual base::Status Copy(const std::string& source_dir, const std::string& container_dir,
                            const std::string& image_rootfs) = 0;
  // Readies the root for a start whose user namespace maps container ids by
  // `map` (privileged: host_base 0), and says what the start mounts.
  virtual base::Result<RootfsMount> PrepareStart(const std::string& container_dir,
                                                 const core::Idmap& map) = 0;
  // Removes the container directory; refuses to cross a mount point.
  virtual base::Status Delete(const std::string& container_dir) = 0;
  // Bytes of disk the container itself uses (not the shared image tree).
  virtual base::Result<int64_t> DiskUsage(const std::string& container_dir) = 0;
  // Visits the stopped container's root as an image would hold it: the view
  // the container has (overlay: upper over lower, whiteouts and opaque
  // directories applied), container ids, pre-order with sorted names.
  virtual base::Status WalkRoot(const std::string& container_dir, const std::string& image_rootfs,
                                const RootVisitor& visit) = 0;
};

inline constexpr std::string_view kDefaultStorageDriver = "overlay";

// The driver named `name` ("overlay" or "dir"); kInvalid naming the known ones.
base::Result<std::unique_ptr<StorageDriver>> MakeStorageDriver(std::string_view name);

// At daemon start: removes containers/.tmp-* left by a create or copy cut short
// (drivers copy into one and rename it into place).
void RemoveInterruptedCreates(const std::string& containers_dir);

// Makes the empty directory ".tmp-<name>-XXXXXX" beside `container_dir`, mode
// 0711 (the container's root, a mapped uid, must traverse it), and returns its
// path; kConflict when `container_dir` already exists.
base::Result<std::string> MakeTempSibling(const std::string& container_dir);

// The extended attributes of the open file `fd` that an image keeps (see
// RootEntry::xattrs), unchanged.
base::Result<std::vector<std::pair<std::string, std::string>>> ImageXattrs(
    int fd, const std::string& shown);

}  // namespace nest::storage
