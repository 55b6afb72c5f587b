// FdStream: Beast's SyncReadStream and SyncWriteStream over a connected
// socket's descriptor, for requests to nestd that need no event loop.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstddef>

namespace nest::client {

// Blocking reads and writes on a connected socket, as Beast's synchronous
// http::read and http::write want them. A request needs no event loop: an
// asio socket would build one (epoll, eventfd, timerfd) for each.
class FdStream {
 public:
  explicit FdStream(int fd) : fd_(fd) {}

  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    ec = {};
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      ssize_t n;
      while ((n = ::read(fd_, b.data(), b.size())) < 0 && errno == EINTR) {
      }
      if (n < 0) ec.assign(errno, boost::system::system_category());
      if (n == 0) ec = boost::asio::error::eof;
      return n > 0 ? static_cast<size_t>(n) : 0;
    }
    return 0;
  }

  template <typename Buffers>
  size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    ec = {};
    iovec iov[16];
    size_t count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && count < 16; ++it) {
      boost::asio::const_buffer b = *it;
      if (b.size() == 0) continue;
      iov[count++] = {const_cast<void*>(b.data()), b.size()};
    }
    if (count == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t n;
    while ((n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
      ec.assign(errno, boost::system::system_category());
      return 0;
    }
    return static_cast<size_t>(n);
  }

  // The throwing forms the stream concepts also ask for.
  template <typename Buffers>
  size_t read_some(const Buffers& buffers) {
    return OrThrow([&](boost::system::error_code& ec) { return read_some(buffers, ec); });
  }
  template <typename Buffers>
  size_t write_some(const Buffers& buffers) {
    return OrThrow([&](boost::system::error_code& ec) { return write_some(buffers, ec); });
  }

 private:
  template <typename Op>
  static size_t OrThrow(Op op) {
    boost::system::error_code ec;
    size_t n = op(ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  int fd_;
};

}  // namespace nest::client
