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
  // nestd's child in a session of its own (nestd reaps it; if nestd dies, init
  // adopts it): it never depends on nestd.
  return nest::runtime::RunMonitor(argv[1], /*status_fd=*/3, /*cgroups_fd=*/4);
}
