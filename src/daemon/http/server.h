// Server: HTTP/1.1 + WebSocket on a unix stream socket, one worker thread per
// open connection (workers are reused).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace nest::daemon::http {

class Router;

class Server {
 public:
  // `router` must outlive the server and be fully populated before Run().
  explicit Server(Router& router);
  ~Server();  // Stops and joins everything.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on `socket_path`, mode 0660, group `nest` if that group
  // exists. A stale socket file is removed first. Errors: kConflict "nestd is
  // already running (socket <path> answers)" if a live server accepts a
  // connection there; kInternal on socket/bind/listen/chmod failures.
  base::Status Listen(const std::string& socket_path);
  // Accepts connections until Stop(); each connection is served by a thread of
  // its own (keep-alive loop; a websocket upgrade stays on that thread): the
  // one that accepted it, while another waits in accept (up to 8 wait there).
  // Returns after Stop() once all worker threads have finished.
  void Run();
  // Thread-safe, idempotent: closes the listener and shuts down every open
  // connection so their threads finish; Run() then returns. The socket file
  // created by Listen() is unlinked.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nest::daemon::http
