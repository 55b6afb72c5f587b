// Copying a tree with everything a container's root holds: the `dir` storage
// driver's create (from an image tree) and both drivers' copy of a container.
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
// Device nodes, fifos and sockets: with SpecialFiles::kRefuse (an image tree,
// which import guarantees has none) they are refused (kInvalid); with kCopy (a
// container's own tree: overlay whiteouts are char 0:0 devices, a container
// makes fifos and sockets) whiteouts, fifos and sockets are made again with
// mknod, owner, mode and times kept (not their extended attributes: opening
// them to read those is not safe), and any other device node is refused
// (kInvalid): only a privileged container could have made one, and the copy
// must not hand it to a container that may be unprivileged. On failure the
// partial copy is left for the caller to remove.
enum class SpecialFiles { kRefuse, kCopy };
base::Result<CopyStats> CopyTree(const std::string& src, const std::string& dst,
                                 SpecialFiles special = SpecialFiles::kRefuse);

}  // namespace nest::storage
