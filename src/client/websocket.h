// WebSocket: a client websocket to nestd over its unix socket (operation
// websockets: GET /1.0/operations/<id>/websocket?secret=<s>), driven by an
// EventLoop thread. LXD framing: binary messages carry data, an empty text
// message marks the end of a stream.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::client {

// One background thread running the callbacks of its WebSockets and signal
// handlers. Every callback runs on that thread. Start/Stop from one thread.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();  // Stop()
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Start();
  // Stops the thread and joins it; pending callbacks are dropped.
  void Stop();

  // Calls `handler(signo)` on the loop thread for each of `signals` received
  // while the loop lives (replacing their default action). The loop thread
  // unblocks all signals; callers should block these in their other threads so
  // that delivery cannot interrupt their system calls (EINTR).
  void OnSignals(const std::vector<int>& signals, std::function<void(int)> handler);

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
  // Connects to every target with the handshakes in flight together (one round
  // trip for all instead of one each); the loop must be running. All or nothing:
  // the first failure, with the errors of Connect.
  static base::Result<std::vector<std::shared_ptr<WebSocket>>> ConnectAll(
      EventLoop& loop, const std::string& socket_path, const std::vector<std::string>& targets);

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
