// nest-monitor --spare: the per-container monitor (see runtime/monitor.h).
// Started by nestd (runtime/monitor_starter.h) with its status pipe as fd 3,
// the cgroups' hand-over as fd 4 and the container's name to come on fd 5.
#include <fcntl.h>

#include <cstdio>
#include <cstring>
#include <span>

#include "runtime/monitor.h"
#include "runtime/monitor_starter.h"

int main(int argc, char** argv) {
  namespace rt = nest::runtime;
  if (argc != 2 || std::strncmp(argv[1], rt::kSpareArg, std::strlen(rt::kSpareArg)) != 0 ||
      ::fcntl(5, F_GETFD) < 0) {
    std::fprintf(stderr,
                 "usage: nest-monitor --spare (started by nestd, which gives it fds 3-5)\n");
    return 2;
  }
  // nestd's child in a session of its own (nestd reaps it; if nestd dies, init
  // adopts it): it never depends on nestd. Its second argument is the room
  // where it shows its container's directory.
  std::span<char> title(argv[1], std::strlen(argv[1]) + 1);
  return rt::RunMonitor(title, /*status_fd=*/3, /*cgroups_fd=*/4, /*job_fd=*/5);
}
