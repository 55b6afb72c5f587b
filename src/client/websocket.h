// WebSocket: a client websocket to nestd over its unix socket (operation
// websockets: GET /1.0/operations/<id>/websocket?secret=<s>), driven by an
// EventLoop. LXD framing: binary messages carry data, an empty text
// message marks the end of a stream.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::client {

// Runs the callbacks of its WebSockets, descriptor watches and signal handlers,
// either on a background thread (Start/Stop, from one thread) or on the
// caller's own (RunUntil; never Start()ed). Every callback runs on the thread
// that runs the loop.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();  // Stop()
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Start();
  // Stops the thread and joins it; pending callbacks are dropped.
  void Stop();
  // Without Start(): runs the loop on this thread until `done()` (checked after
  // each callback) is true, or nothing is left to wait for.
  void RunUntil(const std::function<bool()>& done);

  // Calls `handler(signo)` on the loop thread for each of `signals` received
  // while the loop lives (replacing their default action). A Start()ed loop's
  // thread unblocks all signals; callers should block these in their other
  // threads so that delivery cannot interrupt their system calls (EINTR).
  void OnSignals(const std::vector<int>& signals, std::function<void(int)> handler);
  // Calls `ready()` once, on the loop, when `fd` polls readable, or at once
  // when it cannot be polled (a regular file, /dev/null: reading those never
  // blocks). `fd` stays the caller's. False if it could not be watched.
  bool WhenReadable(int fd, std::function<void()> ready);
  // Calls `fn()` on the loop.
  void Post(std::function<void()> fn);

  struct Impl;
  std::shared_ptr<Impl> impl() const { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

class WebSocket {
 public:
  // Connects and completes the handshake synchronously (GET `target`, Host
  // unix.socket). Errors: kUnavailable when the socket cannot be reached,
  // kInternal when the handshake is refused (e.g. a wrong secret).
  static base::Result<std::shared_ptr<WebSocket>> Connect(EventLoop& loop,
                                                          const std::string& socket_path,
                                                          const std::string& target);
  // Several websockets in two halves, so a caller can open the connections
  // while it waits for the targets (exec: during its POST). Open connects `n`
  // sockets; Handshake completes one per target (at most `n`; the rest are
  // closed) with the handshakes in flight together (one round trip for all),
  // running a loop that was not Start()ed on this thread until they are done.
  // All or nothing: the first failure, with the errors of Connect.
  struct Opened;
  static base::Result<std::shared_ptr<Opened>> Open(EventLoop& loop, const std::string& socket_path,
                                                    size_t n);
  static base::Result<std::vector<std::shared_ptr<WebSocket>>> Handshake(
      EventLoop& loop, const std::shared_ptr<Opened>& opened,
      const std::vector<std::string>& targets);

  ~WebSocket();

  // Starts reading on the loop: `on_data` gets each binary message; `on_end` is
  // called once, at an empty text message, a close frame or a connection error.
  // Non-empty text messages go to `on_data` too (control JSON).
  void StartReading(std::function<void(std::string_view)> on_data, std::function<void()> on_end);

  // The EventLoop must outlive every call below; a WebSocket dropped before its
  // loop is closed when the loop is destroyed.

  // Queue a message; safe from any thread, in order. Errors are ignored (the
  // reader sees the connection end).
  void SendBinary(std::string data);
  void SendText(std::string data);
  void SendEnd() { SendText(""); }
  // Sends a close frame after the queued messages; safe from any thread.
  void Close();

  struct Impl;

 private:
  explicit WebSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace nest::client
