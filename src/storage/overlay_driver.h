// The overlay storage driver: containers/<name>/{overlay/upper, overlay/work,
// lower, rootfs}. Nothing of the image is copied or chowned; at start the
// image tree and overlay/ are idmapped into the container's user namespace and
// overlayfs is built on them (runtime/container_setup.cc). On-disk ids in the
// upper directory are the container's own.
#pragma once

#include "storage/storage_driver.h"

namespace nest::storage {

class OverlayDriver : public StorageDriver {
 public:
  std::string_view Name() const override { return "overlay"; }
  base::Status Create(const std::string& container_dir, const std::string& image_rootfs) override;
  // A new upper directory copied from the source's (whiteouts, opaque marks
  // and the other overlay xattrs included: the lower layer is the same image
  // tree), a fresh work directory.
  base::Status Copy(const std::string& source_dir, const std::string& container_dir,
                    const std::string& image_rootfs) override;
  base::Result<RootfsMount> PrepareStart(const std::string& container_dir,
                                         const core::Idmap& map) override;
  base::Status Delete(const std::string& container_dir) override;
  // The upper directory only.
  base::Result<int64_t> DiskUsage(const std::string& container_dir) override;
  // Upper over lower: a whiteout (char 0:0, or a file carrying
  // user./trusted.overlay.whiteout) hides the lower entry, an opaque directory
  // (user./trusted.overlay.opaque = "y") hides the lower directory's entries,
  // an upper entry replaces the lower one of the same name.
  base::Status WalkRoot(const std::string& container_dir, const std::string& image_rootfs,
                        const RootVisitor& visit) override;
};

}  // namespace nest::storage
