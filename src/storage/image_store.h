// The image store: $NEST_DIR/images/<fingerprint> (the image file, as LXD keeps it)
// and <fingerprint>.rootfs/ (unpacked once, shared read-only by every container).
#pragma once

#include <map>
#include <string>

#include "base/result.h"

namespace nest::storage {

struct StoredImage {
  std::string fingerprint;
  long long size = 0;  // bytes of the image file
  std::string filename;
  std::string architecture;
  long long created_at = 0;  // unix seconds, from metadata.yaml
  std::map<std::string, std::string> properties;
};

class ImageStore {
 public:
  explicit ImageStore(std::string dir) : dir_(std::move(dir)) {}

  std::string FilePath(const std::string& fp) const { return dir_ + "/" + fp; }
  std::string RootfsPath(const std::string& fp) const { return dir_ + "/" + fp + ".rootfs"; }
  // metadata.yaml and templates/ of an imported image (absent for builtin ones).
  std::string MetaPath(const std::string& fp) const { return dir_ + "/" + fp + ".meta"; }
  bool Has(const std::string& fp) const;

  // Builds builtin:busybox from the host binary. Work happens in a temporary
  // directory moved into place at the end: a crash leaves nothing but a
  // temporary that CleanTemporary() removes.
  base::Result<StoredImage> BuildBusybox(const std::string& busybox_path,
                                         const std::string& architecture);
  base::Status Remove(const std::string& fp);
  // A new empty directory images/.tmp-XXXXXX (mode 0700) for building an image;
  // the caller removes it (CleanTemporary does after a crash).
  base::Result<std::string> MakeTemporary();
  // Removes temporaries left by an interrupted build or import.
  void CleanTemporary();

 private:
  std::string dir_;
};

}  // namespace nest::storage
