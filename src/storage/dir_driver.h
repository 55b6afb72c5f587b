// The dir storage driver, for filesystems that cannot do idmapped mounts:
// containers/<name>/rootfs/ is a full copy of the image tree (reflinked where
// the filesystem can), shifted into the container's ids at start by a
// recorded, resumable chown walk (shift_walk.h).
//   rootfs/        the tree; at start bind-mounted onto itself
//   idmap          the map the tree's ids are at ("uid_base uid_size gid_base
//                  gid_size"; base 0: unshifted, as the image holds them)
//   shift.journal  present while a shift walk is unfinished
#pragma once

#include "storage/storage_driver.h"

namespace nest::storage {

class DirDriver : public StorageDriver {
 public:
  std::string_view Name() const override { return "dir"; }
  // Copies into a temporary sibling (".tmp-<name>-*", removed on failure) and
  // renames it into place: a crash never leaves a half-copied container.
  base::Status Create(const std::string& container_dir, const std::string& image_rootfs) override;
  // Finishes any interrupted shift walk of the source first; the copy's tree
  // is at the source's map (recorded in its idmap file), so its first start
  // shifts it only if the map it starts with differs.
  base::Status Copy(const std::string& source_dir, const std::string& container_dir,
                    const std::string& image_rootfs) override;
  // Finishes an interrupted shift walk, then shifts the tree from its recorded
  // map to `map` when they differ (also back, for a container made privileged).
  base::Result<RootfsMount> PrepareStart(const std::string& container_dir,
                                         const core::Idmap& map) override;
  base::Status Delete(const std::string& container_dir) override;
  base::Result<int64_t> DiskUsage(const std::string& container_dir) override;
  // The tree with its ids (owners, ACLs, capability root ids) unshifted.
  base::Status WalkRoot(const std::string& container_dir, const std::string& image_rootfs,
                        const RootVisitor& visit) override;
};

}  // namespace nest::storage
