// WireStream over a plain socket fd: recv / sendmsg, blocking.
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "daemon/http/wire_stream.h"

namespace nest::daemon::http {

namespace {

class FdWireStream final : public WireStream {
 public:
  explicit FdWireStream(int fd) : fd_(fd) {}

  base::Result<size_t> ReadSome(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0)
        return base::Error::Unavailable(std::string("websocket read: ") + std::strerror(errno));
      if (r == 0) return base::Error::Unavailable("websocket closed");
      return static_cast<size_t>(r);
    }
  }

  base::Status WriteAll(std::string_view head, std::string_view body) override {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
    const size_t total = head.size() + body.size();
    size_t sent = 0;
    while (sent < total) {
      iovec cur[2];
      int cnt = 0;
      size_t skip = sent;
      for (const auto& v : iov) {
        if (skip >= v.iov_len) {
          skip -= v.iov_len;
          continue;
        }
        cur[cnt].iov_base = static_cast<char*>(v.iov_base) + skip;
        cur[cnt].iov_len = v.iov_len - skip;
        skip = 0;
        ++cnt;
      }
      msghdr msg{};
      msg.msg_iov = cur;
      msg.msg_iovlen = cnt;
      ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        return base::Error::Unavailable(std::string("websocket write: ") + std::strerror(errno));
      }
      sent += static_cast<size_t>(w);
    }
    return base::Ok();
  }

  void Shutdown() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  const int fd_;
};

}  // namespace

std::unique_ptr<WireStream> MakeFdWireStream(int fd) { return std::make_unique<FdWireStream>(fd); }

}  // namespace nest::daemon::http
