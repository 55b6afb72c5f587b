// Internal to daemon/http: a WireStream over an established TLS connection, so
// an upgraded HTTPS request runs the same WebSocket code as the unix socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>

#include "daemon/http/wire_stream.h"

namespace nest::daemon::http {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct TlsWireLimits {
  // A frame that cannot be handed to the kernel within this is a stalled
  // client: the connection is shut down.
  std::chrono::seconds write_timeout{600};
  // A peer that acknowledges nothing for this long (vanished host, cable
  // pulled) is dropped by the kernel: TCP keepalive and TCP_USER_TIMEOUT.
  std::chrono::seconds dead_peer{120};
};

// `stream` has finished its handshake and has no operation pending; `ioc` is
// the (single-threaded) context it runs on. The returned stream runs `ioc` on
// a thread of its own until it is destroyed; until then nothing else may use
// `stream` or `ioc`. Reads and writes are posted to that thread, so the SSL
// state is only ever touched there (one read and one write may be in flight).
std::unique_ptr<WireStream> MakeTlsWireStream(TlsStream& stream, boost::asio::io_context& ioc,
                                              TlsWireLimits limits);

}  // namespace nest::daemon::http
