#include "runtime/signals.h"

#include <signal.h>

#include "sys/raw_syscall.h"

namespace nest::runtime {

const std::vector<int>& IgnoredSignals() {
  static const std::vector<int> ignored = [] {
    std::vector<int> out;
    for (int s = 1; s < NSIG; ++s) {
      struct sigaction old {};
      if (::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) out.push_back(s);
    }
    return out;
  }();
  return ignored;
}

void RestoreDefaultActions(const std::vector<int>& signals) {
  for (int s : signals) (void)sys::raw::SignalDefault(s);
}

}  // namespace nest::runtime
