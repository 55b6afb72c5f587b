// Internal to daemon/http: the state behind WebSocket, built by Server.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/http/websocket.h"

namespace nest::daemon::http {

struct WebSocket::Impl {
  // The connection's socket; owned by the server connection, which outlives this.
  int fd = -1;
  // Bytes already read from `fd` past the handshake request; only Read() touches it.
  std::string pending;

  std::mutex write_mu;
  bool close_sent = false;  // protected by write_mu
  std::atomic<bool> closed{false};
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string WebSocketAcceptKey(std::string_view client_key);

}  // namespace nest::daemon::http
