// Timestamps as LXD (Go) prints them.
#pragma once

#include <chrono>
#include <string>

namespace nest::daemon::ops {

// RFC 3339 in UTC with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano):
// "2026-11-29T01:07:31.80906161Z"; whole seconds → "2026-11-29T01:07:31Z".
std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t);

// A random version-4 UUID ("5fffaee9-9807-463e-b32f-ae0ad0df4195") from getrandom.
std::string NewUuid();

// `n` random bytes from getrandom, hex-encoded (2n characters).
std::string RandomHex(size_t n);

}  // namespace nest::daemon::ops
