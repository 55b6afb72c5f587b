// Per-container storage, overlay driver: $NEST_DIR/containers/<name>/ holds
// overlay/upper and overlay/work (the container's own changes, the only disk a
// container costs) plus empty mount points; the image tree is the lower layer.
#pragma once

#include <string>

#include "base/result.h"

namespace nest::storage {

// Creates the directory layout. O(1): nothing of the image is copied or chowned
// (the layers are idmapped at start). On-disk ids are the container's own.
base::Status CreateContainerStorage(const std::string& container_dir);
// Removes it all; refuses to cross a mount point (a running container's rootfs).
base::Status DeleteContainerStorage(const std::string& container_dir);

}  // namespace nest::storage
