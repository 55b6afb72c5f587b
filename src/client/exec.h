// Exec: run a command in an instance through POST /1.0/instances/<n>/exec with
// "wait-for-websocket", pumping stdio over the operation's websockets as lxc does.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "client/connection.h"

namespace nest::client {

struct ExecOptions {
  std::vector<std::string> command;
  bool interactive = false;  // one pty websocket ("0") instead of three pipes
  bool stdin_null = false;   // send end-of-stream on stdin at once (lxc -n)
  std::map<std::string, std::string> environment;
  int width = 0;  // terminal size (interactive)
  int height = 0;
  uint32_t user = 0;
  uint32_t group = 0;
  std::string cwd;
  // Forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 (and SIGWINCH as
  // window-resize when interactive) over the control websocket.
  bool forward_signals = false;
};

// Which local fds the command's stdio uses.
struct ExecIo {
  int in = 0;
  int out = 1;
  int err = 2;
};

struct ExecOutcome {
  std::optional<int> return_code;  // the operation's metadata "return", when given
  std::string error;               // the operation's `err` when it failed, else ""
};

// The InstanceExecPost body lxc sends for these options.
nlohmann::json ExecRequestBody(const ExecOptions& options);

// Starts the command and pumps: io.in → websocket "0" (an empty text message at
// EOF), "1" → io.out, "2" → io.err; interactive: "0" both ways, io.in in raw
// mode (restored before returning) when it is a terminal. Returns once the
// output streams have ended and the operation has finished. Errors: those of
// the POST (e.g. kNotFound for an unknown instance), a websocket that cannot
// be connected, or waiting for the operation. A command that fails on the
// server side (e.g. not found, 127) is an ExecOutcome with `error` set.
base::Result<ExecOutcome> Exec(Connection& conn, const std::string& instance,
                               const ExecOptions& options, const ExecIo& io = {});

}  // namespace nest::client
