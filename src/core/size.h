// Byte sizes as LXD config values write them: "10GiB", "512MB", "4096".
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace nest::core {

// Parses a whole number of bytes with an optional suffix: B, KB/MB/GB/TB/PB
// (powers of 1000) or KiB/MiB/GiB/TiB/PiB (powers of 1024). No blanks, no
// fraction. Returns kInvalid for anything else or an int64 overflow.
base::Result<int64_t> ParseByteSize(std::string_view text);

}  // namespace nest::core
