// Running a host tool (unsquashfs, mksquashfs) to completion.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::storage {

// Runs argv (argv[0] an absolute path; no shell, no PATH search) with stdin on
// /dev/null. Each line of its stdout, without the newline, goes to `on_line`
// (null: discarded) as it arrives, so output of any size is never held whole.
// Returns kUnavailable if argv[0] cannot be run, the first error `on_line`
// returns (the tool is then killed), or kInternal "<tool> exited with status N:
// <last lines of its stderr>". Safe in a threaded process (posix_spawn).
base::Status RunTool(const std::vector<std::string>& argv,
                     const std::function<base::Status(std::string_view line)>& on_line);

// Runs argv (argv[0] absolute, no PATH search) with stdin on /dev/null, stdout
// and stderr appended to `log_path`, and the write end of a pipe as fd 3 whose
// lines go to `on_line` as they arrive (tools such as debootstrap
// --debian-installer report progress there). Returns kUnavailable if argv[0]
// cannot be run, the first error of `on_line` (the tool is then killed), or
// kInternal "<tool> exited with status N" (the log holds the why).
base::Status RunToolWithStatusFd(const std::vector<std::string>& argv, const std::string& log_path,
                                 const std::function<base::Status(std::string_view line)>& on_line);

}  // namespace nest::storage
