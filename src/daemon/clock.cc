#include "daemon/clock.h"

#include <chrono>

#include "base/log.h"
#include "base/strings.h"
#include "core/time_format.h"
#include "sys/syscalls.h"

namespace nest::daemon {

int64_t Clock::Now() const {
  if (!file_.empty()) {
    if (auto text = sys::ReadFile(file_)) {
      auto t = core::ParseRfc3339(base::Trim(*text));
      if (t) return *t;
      base::LogWarn("clock file " + file_ + ": " + t.error().message() +
                    "; using the system clock");
    }
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace nest::daemon
