// The `nest` command line: every command registered on one CLI11 app.
#pragma once

#include "cli/commands.h"

namespace nest::cli {

// Parses argv and runs the command against ctx.conn; returns the exit status
// (CLI11's for usage errors, 1 for "Error: ..." failures, the command's for exec).
int Main(int argc, const char* const* argv, Context& ctx);

}  // namespace nest::cli
