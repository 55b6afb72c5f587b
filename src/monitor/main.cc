// nest-monitor CONTAINER_DIR: the per-container monitor (see runtime/monitor.h).
// Started by nestd with the status pipe as fd 3.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "runtime/monitor.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: nest-monitor CONTAINER_DIR (started by nestd)\n");
    return 2;
  }
  // nestd waits for this process only: the monitor proper is our child, which
  // init adopts, so it never depends on nestd.
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("nest-monitor: fork");
    return 1;
  }
  if (child > 0) return 0;
  return nest::runtime::RunMonitor(argv[1], 3);
}
