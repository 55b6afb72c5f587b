// Daemon: nestd's assembly — state directory, database, stores, API server.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "daemon/context.h"

namespace nest::daemon {

struct Options {
  std::string dir;  // $NEST_DIR
  bool debug = false;
  std::string clock_file;  // --clock-file: see daemon/clock.h
};

// Prepares everything and serves until SIGTERM/SIGINT. Returns the exit code.
// Errors before serving (state dir, database, socket in use) are returned.
base::Result<int> RunDaemon(const Options& options);

}  // namespace nest::daemon
