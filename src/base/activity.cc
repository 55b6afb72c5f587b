#include "base/activity.h"

namespace nest::base {

void Activity::Begin() {
  std::lock_guard lock(mu_);
  ++in_flight_;
}

void Activity::End() {
  std::lock_guard lock(mu_);
  --in_flight_;
  last_end_ = Clock::now();
}

bool Activity::QuietFor(Clock::duration quiet, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  return in_flight_ == 0 && now - last_end_ >= quiet;
}

}  // namespace nest::base
