#include "daemon/http/websocket.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

#include "daemon/http/websocket_impl.h"

namespace nest::daemon::http {

namespace {

constexpr uint8_t kOpContinuation = 0x0;
constexpr uint8_t kOpText = 0x1;
constexpr uint8_t kOpBinary = 0x2;
constexpr uint8_t kOpClose = 0x8;
constexpr uint8_t kOpPing = 0x9;
constexpr uint8_t kOpPong = 0xA;
constexpr uint64_t kMaxMessage = 256ull << 20;

base::Error Closed() { return base::Error::Unavailable("websocket closed"); }

// Writes one unfragmented frame; requires impl.write_mu.
base::Status WriteFrameLocked(WebSocket::Impl& impl, uint8_t opcode, std::string_view payload) {
  if (impl.close_sent || impl.closed) return Closed();
  uint8_t header[10];
  size_t header_len = 2;
  header[0] = 0x80 | opcode;
  uint64_t n = payload.size();
  if (n < 126) {
    header[1] = static_cast<uint8_t>(n);
  } else if (n <= 0xFFFF) {
    header[1] = 126;
    header[2] = static_cast<uint8_t>(n >> 8);
    header[3] = static_cast<uint8_t>(n);
    header_len = 4;
  } else {
    header[1] = 127;
    for (int i = 0; i < 8; ++i) header[2 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
    header_len = 10;
  }
  auto st = impl.wire->WriteAll(std::string_view(reinterpret_cast<const char*>(header), header_len),
                                payload);
  if (!st.ok()) impl.closed = true;
  return st;
}

base::Status WriteFrame(WebSocket::Impl& impl, uint8_t opcode, std::string_view payload) {
  std::lock_guard lock(impl.write_mu);
  return WriteFrameLocked(impl, opcode, payload);
}

base::Status ReadExact(WebSocket::Impl& impl, void* dst, size_t n) {
  char* out = static_cast<char*>(dst);
  size_t from_pending = std::min(n, impl.pending.size());
  std::memcpy(out, impl.pending.data(), from_pending);
  impl.pending.erase(0, from_pending);
  size_t got = from_pending;
  while (got < n) {
    if (impl.closed) return Closed();
    auto r = impl.wire->ReadSome(out + got, n - got);
    if (!r.ok()) {
      impl.closed = true;
      return Closed();
    }
    got += *r;
  }
  return base::Ok();
}

}  // namespace

WebSocket::WebSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocket::~WebSocket() = default;

base::Status WebSocket::WriteBinary(std::string_view data) {
  return WriteFrame(*impl_, kOpBinary, data);
}

base::Status WebSocket::WriteText(std::string_view data) {
  return WriteFrame(*impl_, kOpText, data);
}

base::Result<WebSocket::Message> WebSocket::Read() {
  Message message;
  bool in_message = false;
  for (;;) {
    uint8_t h[2];
    TRY(ReadExact(*impl_, h, 2));
    bool fin = (h[0] & 0x80) != 0;
    uint8_t opcode = h[0] & 0x0F;
    bool masked = (h[1] & 0x80) != 0;
    uint64_t len = h[1] & 0x7F;
    if (len == 126) {
      uint8_t e[2];
      TRY(ReadExact(*impl_, e, 2));
      len = (uint64_t{e[0]} << 8) | e[1];
    } else if (len == 127) {
      uint8_t e[8];
      TRY(ReadExact(*impl_, e, 8));
      len = 0;
      for (uint8_t b : e) len = (len << 8) | b;
    }
    if (len > kMaxMessage || message.data.size() + len > kMaxMessage) {
      Close();
      return base::Error::Unavailable("websocket message too large");
    }
    uint8_t mask[4] = {0, 0, 0, 0};
    if (masked) TRY(ReadExact(*impl_, mask, 4));
    std::string payload(len, '\0');
    if (len > 0) TRY(ReadExact(*impl_, payload.data(), len));
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= static_cast<char>(mask[i % 4]);
    }
    switch (opcode) {
      case kOpPing:
        (void)WriteFrame(*impl_, kOpPong, payload);
        continue;
      case kOpPong:
        continue;
      case kOpClose: {
        std::lock_guard lock(impl_->write_mu);
        if (!impl_->close_sent && !impl_->closed) {
          (void)WriteFrameLocked(*impl_, kOpClose, payload.substr(0, 2));
          impl_->close_sent = true;
        }
        impl_->closed = true;
        impl_->wire->Shutdown();
        return Closed();
      }
      case kOpText:
      case kOpBinary:
        if (in_message) {
          Close();
          return base::Error::Unavailable("websocket protocol error: unfinished message");
        }
        message.binary = opcode == kOpBinary;
        in_message = true;
        break;
      case kOpContinuation:
        if (!in_message) {
          Close();
          return base::Error::Unavailable("websocket protocol error: stray continuation");
        }
        break;
      default:
        Close();
        return base::Error::Unavailable("websocket protocol error: opcode " +
                                        std::to_string(opcode));
    }
    message.data += payload;
    if (fin) return message;
  }
}

void WebSocket::Close() {
  std::lock_guard lock(impl_->write_mu);
  if (!impl_->close_sent && !impl_->closed) {
    static const char kNormal[2] = {0x03, static_cast<char>(0xE8)};  // 1000
    (void)WriteFrameLocked(*impl_, kOpClose, std::string_view(kNormal, 2));
  }
  impl_->close_sent = true;
  impl_->closed = true;
  impl_->wire->Shutdown();
}

std::string WebSocketAcceptKey(std::string_view client_key) {
  std::string input(client_key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

}  // namespace nest::daemon::http
