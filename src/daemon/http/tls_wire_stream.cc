#include "daemon/http/tls_wire_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <future>
#include <string>
#include <thread>
#include <utility>

namespace nest::daemon::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using error_code = boost::system::error_code;

void SetSockInt(int fd, int level, int name, int value) {
  (void)::setsockopt(fd, level, name, &value, sizeof(value));
}

class TlsWireStream final : public WireStream {
 public:
  TlsWireStream(TlsStream& stream, asio::io_context& ioc, TlsWireLimits limits)
      : stream_(stream),
        ioc_(ioc),
        limits_(limits),
        fd_(beast::get_lowest_layer(stream).socket().native_handle()),
        write_timer_(ioc),
        work_(asio::make_work_guard(ioc)) {
    beast::get_lowest_layer(stream_).expires_never();
    const int dead = static_cast<int>(limits_.dead_peer.count());
    if (dead > 0) {
      SetSockInt(fd_, SOL_SOCKET, SO_KEEPALIVE, 1);
      SetSockInt(fd_, IPPROTO_TCP, TCP_KEEPIDLE, std::max(1, dead / 2));
      SetSockInt(fd_, IPPROTO_TCP, TCP_KEEPINTVL, std::max(1, dead / 12));
      SetSockInt(fd_, IPPROTO_TCP, TCP_KEEPCNT, 6);
      SetSockInt(fd_, IPPROTO_TCP, TCP_USER_TIMEOUT, dead * 1000);
    }
    ioc_.restart();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~TlsWireStream() override {
    Shutdown();
    asio::post(ioc_, [this] {
      error_code ignored;
      beast::get_lowest_layer(stream_).socket().cancel(ignored);
      write_timer_.cancel();
    });
    work_.reset();
    thread_.join();
  }

  base::Result<size_t> ReadSome(char* buf, size_t n) override {
    std::promise<std::pair<error_code, size_t>> done;
    auto result = done.get_future();
    asio::post(ioc_, [&] {
      stream_.async_read_some(asio::buffer(buf, n), [&done](error_code ec, size_t got) {
        done.set_value({ec, got});
      });
    });
    auto [ec, got] = result.get();
    if (got > 0) return got;
    if (!ec || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated || shut_) {
      return base::Error::Unavailable("websocket closed");
    }
    return base::Error::Unavailable("websocket read: " + ec.message());
  }

  base::Status WriteAll(std::string_view head, std::string_view body) override {
    if (shut_) return base::Error::Unavailable("websocket closed");
    std::promise<error_code> done;
    auto result = done.get_future();
    asio::post(ioc_, [&] {
      const uint64_t gen = ++write_gen_;
      write_timer_.expires_after(limits_.write_timeout);
      write_timer_.async_wait([this, gen](error_code ec) {
        // Only the deadline of the write still in flight counts.
        if (ec || gen != write_gen_) return;
        timed_out_ = true;
        Shutdown();
      });
      // Head, then body: one async_write over both buffers of a large frame
      // sent only the first through beast's flat_stream (Boost 1.74).
      auto finish = [this, &done](error_code ec) {
        ++write_gen_;
        write_timer_.cancel();
        done.set_value(ec);
      };
      asio::async_write(stream_, asio::buffer(head.data(), head.size()),
                        [this, body, finish](error_code ec, size_t) {
                          if (ec || body.empty()) return finish(ec);
                          asio::async_write(stream_, asio::buffer(body.data(), body.size()),
                                            [finish](error_code ec2, size_t) { finish(ec2); });
                        });
    });
    error_code ec = result.get();
    if (timed_out_) {
      return base::Error::Unavailable("websocket write: the client took more than " +
                                      std::to_string(limits_.write_timeout.count()) +
                                      " s to take a frame; connection closed");
    }
    if (ec) return base::Error::Unavailable("websocket write: " + ec.message());
    return base::Ok();
  }

  void Shutdown() override {
    if (!shut_.exchange(true)) ::shutdown(fd_, SHUT_RDWR);
  }

 private:
  TlsStream& stream_;
  asio::io_context& ioc_;
  const TlsWireLimits limits_;
  const int fd_;
  asio::steady_timer write_timer_;  // io thread only
  uint64_t write_gen_ = 0;          // io thread only
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> shut_{false};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<WireStream> MakeTlsWireStream(TlsStream& stream, asio::io_context& ioc,
                                              TlsWireLimits limits) {
  return std::make_unique<TlsWireStream>(stream, ioc, limits);
}

}  // namespace nest::daemon::http
