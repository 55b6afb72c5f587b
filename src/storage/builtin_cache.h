// A directory of built builtin images shared by several daemons ($NEST_BUILTIN_CACHE):
// test runs, where each test has its own nestd, build builtin:debian once.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace nest::storage {

// The cached image file for a builtin image's canonical alias
// ("debian/bookworm+lxc" → <dir>/debian_bookworm+lxc.tar.gz), if present.
std::optional<std::string> FindInBuiltinCache(const std::string& dir, const std::string& key);

// Copies `image_file` into the cache under `key`, atomically (a temporary in the
// cache directory renamed into place): daemons sharing the directory never see
// a partial file. Creates the directory (0700).
base::Status SaveToBuiltinCache(const std::string& dir, const std::string& key,
                                const std::string& image_file);

}  // namespace nest::storage
