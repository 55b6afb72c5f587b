// WebSocket: one upgraded server-side connection (RFC 6455 via Beast, hidden).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::daemon::http {

// Thread-safety: one thread may Read() while another writes; writes are
// serialized by an internal mutex, so several writer threads are also safe.
// Close() may be called from any thread and makes a blocked Read() return.
class WebSocket {
 public:
  struct Message {
    bool binary = false;
    std::string data;
  };

  struct Impl;
  explicit WebSocket(std::unique_ptr<Impl> impl);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // Errors: kUnavailable when the connection is closed or broken.
  base::Status WriteBinary(std::string_view data);
  base::Status WriteText(std::string_view data);
  // Blocks for the next complete message. Errors: kUnavailable once the peer
  // closed (close frame or EOF) or Close() was called.
  base::Result<Message> Read();
  // Sends a close frame (best effort) and shuts the socket down. Idempotent.
  void Close();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nest::daemon::http
