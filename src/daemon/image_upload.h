// The daemon's side of an image upload: the files a POST /1.0/images left in a
// temporary directory of the store, and their hand-over to the storage layer.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"
#include "daemon/context.h"
#include "daemon/ops/operations.h"
#include "storage/image_import.h"

namespace nest::daemon {

struct UploadedImage {
  std::string dir;            // temporary directory holding the files below
  std::string metadata_path;  // unified: the whole tarball; split: the metadata tarball
  std::string rootfs_path;    // split only: the rootfs (squashfs or tarball); "" if unified
  std::string fingerprint;    // sha256 of metadata (+ rootfs), as LXD computes it
  int64_t size = 0;           // bytes of metadata (+ rootfs)
  std::string filename;       // X-LXD-filename, or the rootfs part's filename
  bool is_public = false;
  std::map<std::string, std::string> properties;  // X-LXD-properties, override metadata.yaml's
};

// Validates and unpacks the upload into the store (storage::ImportImage, with
// the server's images.max_unpacked_size); on failure the store is as before.
// Errors are the importer's (kInvalid for a bad image, kConflict for one already
// stored).
base::Result<storage::ImportedImage> ImportUpload(Context& ctx, const UploadedImage& upload);

// ImportUpload, then the image's record (not cached; properties of the upload
// over metadata.yaml's), the operation's metadata {fingerprint, size} and the
// image-created event. On failure the store and database are as before.
base::Status ImportAndRecord(Context& ctx, const UploadedImage& upload, ops::Operation& op);

}  // namespace nest::daemon
