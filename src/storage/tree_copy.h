// Copying an image tree into a container: the `dir` storage driver's create.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace nest::storage {

struct CopyStats {
  int64_t entries = 0;
  int64_t reflinked = 0;  // regular files whose extents are shared (FICLONE)
  int64_t copied = 0;     // regular files whose bytes were copied
};

// Copies the tree at `src` to `dst` (which must not exist): regular files are
// reflinked where the filesystem can (FICLONE), else copied in the kernel
// (copy_file_range), else read and written; hard links stay hard links.
// Kept: owners (numeric, as on disk), modes including setuid/setgid (restored
// after the chown that clears them), every extended attribute (POSIX ACLs and
// security.capability set after the chown, which drops capabilities),
// access and modification times. Symlinks are copied as links, never followed.
// Device nodes, fifos and sockets are refused (kInvalid), as image import
// refuses them. On failure the partial copy is left for the caller to remove.
base::Result<CopyStats> CopyTree(const std::string& src, const std::string& dst);

}  // namespace nest::storage
