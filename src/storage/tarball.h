// Packing image trees into LXD image tarballs, and hashing files as LXD does.
#pragma once

#include <string>

#include "base/result.h"

namespace nest::storage {

// Writes a gzip'd tar of `dir`'s contents (entries relative to it, sorted, numeric
// owners as on disk, every mtime set to `mtime`) to `out_path`: the same tree
// gives the same bytes, hence the same fingerprint. Extended attributes of
// files and directories are written as SCHILY.xattr.* pax records, those an
// image keeps (core::ImageKeepsXattr: file capabilities and ACLs, no overlay
// marks), values as on disk: `dir` holds container ids (an image tree).
base::Status PackDirectory(const std::string& dir, const std::string& out_path, long long mtime);

// Lowercase hex sha256 of the file, streamed.
base::Result<std::string> Sha256File(const std::string& path);

}  // namespace nest::storage
