// Internal to daemon/http: the state behind WebSocket, built by the unix and
// HTTPS servers over their WireStream.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/http/websocket.h"
#include "daemon/http/wire_stream.h"

namespace nest::daemon::http {

struct WebSocket::Impl {
  // The connection (unix socket or TLS); the server connection outlives this.
  std::unique_ptr<WireStream> wire;
  // Bytes already read from the connection past the handshake request; only
  // Read() touches it.
  std::string pending;

  std::mutex write_mu;
  bool close_sent = false;  // protected by write_mu
  std::atomic<bool> closed{false};
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string WebSocketAcceptKey(std::string_view client_key);

}  // namespace nest::daemon::http
