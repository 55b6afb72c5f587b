// What `nest image list` and `nest image info` print for LXD Image objects.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cli/format.h"

namespace nest::cli {

// Columns of `nest image list` (as lxc image list): ALIAS (the shortest, "+ (N
// more)"), FINGERPRINT (12 chars), PUBLIC, DESCRIPTION, ARCHITECTURE, TYPE, SIZE
// (MiB, 2 decimals), UPLOAD DATE ("Jan 2, 2006 at 3:04pm (UTC)").
Row ImageListHeader();
Row ImageListRow(const nlohmann::json& image);

// table (sorted by alias, then fingerprint), csv, json or yaml; kInvalid for others.
base::Result<std::string> RenderImageList(const nlohmann::json& images, const std::string& format);

// `nest image info`: fingerprint, size, architecture, type, public, timestamps
// (created, uploaded, expires, last used), properties, aliases, cached, auto
// update, source and profiles, in lxc image info's layout.
std::string RenderImageInfo(const nlohmann::json& image);

// The writable part of an Image (ImagePut) in lxc image show's order.
nlohmann::ordered_json ImageWritable(const nlohmann::json& image);

// RFC 3339 → "2006/01/02 15:04 UTC" (lxc image info's layout); "" for zero/unset.
std::string ImageTimestamp(std::string_view rfc3339);

}  // namespace nest::cli
