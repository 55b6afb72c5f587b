// The daemon's "now". Normally the system clock; with `nestd --clock-file FILE`
// (a test hook, see the README's developer section) "now" is the RFC 3339 time
// written in FILE whenever FILE exists, so tests move time by hours and days
// without sleeping. Image times (upload, last use, checks) and the cache
// policy read this clock; timeouts and operation timestamps use real time.
#pragma once

#include <cstdint>
#include <string>

namespace nest::daemon {

class Clock {
 public:
  explicit Clock(std::string file = "") : file_(std::move(file)) {}

  // Unix nanoseconds. A clock file that exists but does not hold an RFC 3339
  // time is reported in the log and the system clock is used.
  int64_t Now() const;

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace nest::daemon
