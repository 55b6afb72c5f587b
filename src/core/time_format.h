// RFC 3339 timestamps as LXD prints them (Go's time.RFC3339Nano, UTC).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::core {

// Go's zero time, which LXD prints for some "never" timestamps.
inline constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

// Formats nanoseconds since the Unix epoch as "2026-11-29T01:07:30.123456789Z".
// Trailing zeros of the fraction are trimmed and a zero fraction is omitted, as
// Go does. 0 is the epoch "1970-01-01T00:00:00Z", which is what LXD 5.0 shows
// for an unset last_used_at / expires_at (see the API transcripts); use
// kGoZeroTime where LXD shows Go's zero time instead.
std::string FormatRfc3339(int64_t unix_nanos);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" into nanoseconds
// since the Unix epoch (fraction: 1..9 digits). kGoZeroTime parses as 0.
// Returns kInvalid for malformed text, impossible fields, or times outside the
// int64 nanosecond range (years ~1678..2262).
base::Result<int64_t> ParseRfc3339(std::string_view text);

}  // namespace nest::core
