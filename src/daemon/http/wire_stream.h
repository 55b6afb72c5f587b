// Internal to daemon/http: the byte stream under an upgraded WebSocket — a
// unix socket or a TLS connection — so the framing code has one path.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "base/result.h"

namespace nest::daemon::http {

// Thread-safety: one thread may ReadSome() while another WriteAll()s; WriteAll
// calls are serialized by the caller (WebSocket's write mutex). Shutdown() may
// be called from any thread and makes a blocked ReadSome()/WriteAll() return.
class WireStream {
 public:
  virtual ~WireStream() = default;
  // Blocks for at least one byte; returns how many were read into `buf`
  // (at most `n`). Errors: kUnavailable on EOF, a broken connection or after
  // Shutdown().
  virtual base::Result<size_t> ReadSome(char* buf, size_t n) = 0;
  // Writes `head` then `body` completely. Errors: kUnavailable when the
  // connection is broken, shut down, or the write stalls past its deadline.
  virtual base::Status WriteAll(std::string_view head, std::string_view body) = 0;
  // Shuts the connection down in both directions. Idempotent.
  virtual void Shutdown() = 0;
};

// A connected stream socket (the unix server's connection). Does not own `fd`.
std::unique_ptr<WireStream> MakeFdWireStream(int fd);

}  // namespace nest::daemon::http
