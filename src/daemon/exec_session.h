// ExecSession: one `exec` over LXD's websocket protocol (lxd-spec §4.3).
// Non-interactive: websockets "0" (stdin), "1", "2" and "control" over pipes;
// interactive: "0" (both ways, a pty) and "control". Binary frames carry data,
// an empty text frame ends a stream.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "daemon/http/websocket.h"
#include "daemon/ops/operations.h"
#include "runtime/exec.h"
#include "runtime/pty.h"

namespace nest::daemon {

class ExecSession : public std::enable_shared_from_this<ExecSession> {
 public:
  // streams false: no websockets; stdin is empty and output is discarded.
  ExecSession(runtime::ExecSpec spec, bool streams, bool interactive, int width, int height);

  // The websocket names the client must connect before the command starts.
  std::vector<std::string> Required() const;
  // Called on a client's connection thread; returns when the session is over.
  void OnConnect(const std::string& fd_name, http::WebSocket& ws);
  // The operation body: makes the command ready inside the container while
  // the websockets connect, starts it once they all have (10 s at most),
  // streams its output, and records "return" in the operation metadata.
  base::Status Run(ops::Operation& op);

 private:
  base::Status Spawn();
  void PumpOutput();
  void ReadStdin(http::WebSocket& ws);
  void ReadControl(http::WebSocket& ws);
  // Reads an output stream until it closes (its thread then sleeps in a read,
  // not on cv_, which every connection and the start wake). With
  // `closing_means_gone` (stream "1"), a client without a control stream is
  // seen to leave by that close, as LXD does.
  void WatchOutput(http::WebSocket& ws, bool closing_means_gone);
  // The client left before the command ended: kill the command, as LXD does,
  // rather than leave it running for nobody.
  void ClientGone();
  void Finish();

  runtime::ExecSpec spec_;  // constant after construction
  const bool streams_;
  const bool interactive_;
  const int width_;
  const int height_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, http::WebSocket*> sockets_;  // protected by mu_
  bool started_ = false;                             // protected by mu_
  bool finished_ = false;                            // protected by mu_
  bool control_connected_ = false;                   // protected by mu_
  base::UniqueFd gate_read_;                         // the command's start gate (runtime::ExecSpec)
  base::UniqueFd gate_write_;  // protected by mu_; reset once the gate is opened
  base::UniqueFd stdin_;       // our end of the command's stdin (or the pty master)
  base::UniqueFd stdout_;      // our ends of its output
  base::UniqueFd stderr_;
  std::unique_ptr<runtime::ExecProcess> process_;
};

}  // namespace nest::daemon
