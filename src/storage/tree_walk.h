// Walking a directory tree by file descriptors: the one traversal the storage
// drivers use to copy, shift, measure and publish a container's root.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>

#include "base/result.h"

namespace nest::storage {

struct TreeEntry {
  int dirfd;                // the directory holding the entry (the root itself: the root)
  const std::string& name;  // within dirfd ("." for the root)
  const std::string& rel;   // path below the root ("" for the root)
  const struct stat& st;    // lstat: a symlink is the link itself
};

// Visits `root` and then every entry below it, pre-order, the names of each
// directory in bytewise order: the same tree always gives the same sequence.
// Never follows a symlink: each directory is opened O_NOFOLLOW relative to its
// parent's descriptor, so nothing in the tree can lead the walk outside it.
// A directory on another filesystem (a mount point) is an error (kConflict).
// A visitor error stops the walk and is returned with the entry's path.
base::Status WalkTree(const std::string& root,
                      const std::function<base::Status(const TreeEntry&)>& visit);

// Bytes of disk the tree's entries occupy (st_blocks, each inode counted once).
base::Result<int64_t> TreeDiskUsage(const std::string& root);

}  // namespace nest::storage
