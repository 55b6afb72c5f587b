// Packing a stopped container into a unified LXD image tarball (nest publish).
#pragma once

#include <string>

#include "base/result.h"
#include "storage/storage_driver.h"

namespace nest::storage {

struct PublishSource {
  StorageDriver* driver = nullptr;
  std::string container_dir;
  std::string image_rootfs;   // the container's image tree (overlay's lower layer)
  std::string metadata_yaml;  // written as metadata.yaml
  std::string templates_dir;  // copied as templates/; "" or absent: none
};

// Writes a gzip'd tar to `out_path` (which must not exist): metadata.yaml,
// templates/, then rootfs/ as driver->WalkRoot sees it: the container's view
// with container ids as numeric owners (0:0 for root), extended attributes an
// image keeps, hard links as links. Entries in walk order (sorted names), gzip
// without a timestamp: the same container gives the same bytes.
// On failure out_path is removed.
base::Status PackContainerImage(const PublishSource& source, const std::string& out_path);

}  // namespace nest::storage
