#include "client/websocket.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "client/connection.h"

namespace nest::client {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using base::Error;
using base::ErrorKind;
using base::Result;

struct EventLoop::Impl {
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::vector<std::unique_ptr<asio::signal_set>> signal_sets;
};

EventLoop::EventLoop() : impl_(std::make_shared<Impl>()) {}

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Start() {
  if (impl_->thread.joinable()) return;
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->thread = std::thread([impl = impl_] {
    // Signals the caller blocks (see OnSignals) are received here, where the
    // reactor absorbs EINTR, instead of failing another thread's syscall.
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    impl->ioc.run();
  });
}

void EventLoop::Stop() {
  if (impl_->thread.joinable()) {
    impl_->work.reset();
    impl_->ioc.stop();
    impl_->thread.join();
  }
  impl_->signal_sets.clear();  // restores the signals' previous actions
}

void EventLoop::RunUntil(const std::function<bool()>& done) {
  while (!done()) {
    if (impl_->ioc.stopped()) impl_->ioc.restart();
    if (impl_->ioc.run_one() == 0) return;  // nothing left that could make it true
  }
}

bool EventLoop::WhenReadable(int fd, std::function<void()> ready) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return false;
  auto desc = std::make_shared<asio::posix::stream_descriptor>(impl_->ioc);
  boost::system::error_code ec;
  desc->assign(copy, ec);
  if (ec) {
    ::close(copy);
    return false;
  }
  // A descriptor epoll refuses (EPERM: a file, /dev/null) is accepted by asio
  // and fails its first wait at once: `ready` runs then, and reading it will
  // not block.
  desc->async_wait(asio::posix::stream_descriptor::wait_read,
                   [desc, ready = std::move(ready)](const boost::system::error_code&) {
                     boost::system::error_code ignored;
                     desc->close(ignored);
                     ready();
                   });
  return desc->is_open();
}

void EventLoop::Post(std::function<void()> fn) { asio::post(impl_->ioc, std::move(fn)); }

namespace {

void WaitSignal(asio::signal_set* set, std::shared_ptr<std::function<void(int)>> handler) {
  set->async_wait([set, handler](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    (*handler)(signo);
    WaitSignal(set, handler);
  });
}

}  // namespace

void EventLoop::OnSignals(const std::vector<int>& signals, std::function<void(int)> handler) {
  auto set = std::make_unique<asio::signal_set>(impl_->ioc);
  for (int s : signals) set->add(s);
  WaitSignal(set.get(), std::make_shared<std::function<void(int)>>(std::move(handler)));
  impl_->signal_sets.push_back(std::move(set));
}

struct WebSocket::Impl : std::enable_shared_from_this<WebSocket::Impl> {
  explicit Impl(EventLoop::Impl* l) : loop(l), ws(loop->ioc) {}

  struct Message {
    std::string data;
    bool text = false;
    bool close = false;
  };

  void Enqueue(Message m) {
    asio::post(loop->ioc, [self = shared_from_this(), m = std::move(m)]() mutable {
      self->queue.push_back(std::move(m));
      if (!self->writing) self->WriteNext();
    });
  }

  void WriteNext() {
    if (queue.empty() || failed) {
      writing = false;
      return;
    }
    writing = true;
    Message& m = queue.front();
    auto done = [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
      self->queue.pop_front();
      if (ec) {
        self->failed = true;
        self->queue.clear();
      }
      self->WriteNext();
    };
    if (m.close) {
      ws.async_close(
          websocket::close_code::normal,
          [self = shared_from_this(), done](const boost::system::error_code& ec) { done(ec, 0); });
      return;
    }
    ws.text(m.text);
    ws.async_write(asio::buffer(m.data), std::move(done));
  }

  void ReadNext() {
    ws.async_read(buffer, [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
      if (ec) return self->End();
      bool text = self->ws.got_text();
      std::string data = boost::beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      if (text && data.empty()) return self->End();
      if (self->on_data) self->on_data(data);
      self->ReadNext();
    });
  }

  void End() {
    if (ended) return;
    ended = true;
    if (on_end) on_end();
  }

  EventLoop::Impl* loop;
  websocket::stream<asio::local::stream_protocol::socket> ws;
  boost::beast::flat_buffer buffer;
  std::deque<Message> queue;
  bool writing = false;
  bool failed = false;
  bool ended = false;
  std::function<void(std::string_view)> on_data;
  std::function<void()> on_end;
};

struct WebSocket::Opened {
  std::vector<std::shared_ptr<Impl>> impls;
};

Result<std::shared_ptr<WebSocket::Opened>> WebSocket::Open(EventLoop& loop,
                                                           const std::string& socket_path,
                                                           size_t n) {
  auto opened = std::make_shared<Opened>();
  for (size_t i = 0; i < n; ++i) {
    auto impl = std::make_shared<Impl>(loop.impl().get());
    boost::system::error_code ec;
    impl->ws.next_layer().connect(asio::local::stream_protocol::endpoint(socket_path), ec);
    if (ec) {
      return Error(ErrorKind::kUnavailable, UnreachableMessage(socket_path, ec.value()),
                   ec.value());
    }
    impl->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(boost::beast::http::field::user_agent, "nest/0.1");
    }));
    impl->ws.binary(true);
    opened->impls.push_back(std::move(impl));
  }
  return opened;
}

Result<std::vector<std::shared_ptr<WebSocket>>> WebSocket::Handshake(
    EventLoop& loop, const std::shared_ptr<Opened>& opened,
    const std::vector<std::string>& targets) {
  auto& impls = opened->impls;
  if (impls.size() < targets.size()) {
    return Error::Internal("websocket handshakes: " + std::to_string(targets.size()) +
                           " targets for " + std::to_string(impls.size()) + " connections");
  }
  impls.resize(targets.size());  // connections left over are closed
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = impls.size();
  std::vector<boost::system::error_code> errors(impls.size());
  for (size_t i = 0; i < impls.size(); ++i) {
    asio::post(loop.impl()->ioc, [&, i, impl = impls[i]] {
      impl->ws.async_handshake("unix.socket", targets[i],
                               [&, i, impl](const boost::system::error_code& ec) {
                                 std::lock_guard lock(mu);
                                 errors[i] = ec;
                                 if (--pending == 0) cv.notify_all();
                               });
    });
  }
  if (loop.impl()->thread.joinable()) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  } else {
    loop.RunUntil([&] { return pending == 0; });
    if (pending != 0) return Error::Internal("websocket handshakes: the event loop stopped");
  }
  std::vector<std::shared_ptr<WebSocket>> out;
  for (size_t i = 0; i < impls.size(); ++i) {
    if (errors[i]) {
      return Error::Internal("websocket " + targets[i] + ": handshake: " + errors[i].message());
    }
    out.push_back(std::shared_ptr<WebSocket>(new WebSocket(impls[i])));
  }
  return out;
}

Result<std::shared_ptr<WebSocket>> WebSocket::Connect(EventLoop& loop,
                                                      const std::string& socket_path,
                                                      const std::string& target) {
  auto opened = TRY(Open(loop, socket_path, 1));
  auto& impl = opened->impls.front();
  boost::system::error_code ec;
  impl->ws.handshake("unix.socket", target, ec);
  if (ec) return Error::Internal("websocket " + target + ": handshake: " + ec.message());
  return std::shared_ptr<WebSocket>(new WebSocket(impl));
}

WebSocket::~WebSocket() = default;

void WebSocket::StartReading(std::function<void(std::string_view)> on_data,
                             std::function<void()> on_end) {
  asio::post(impl_->loop->ioc,
             [impl = impl_, on_data = std::move(on_data), on_end = std::move(on_end)]() mutable {
               impl->on_data = std::move(on_data);
               impl->on_end = std::move(on_end);
               impl->ReadNext();
             });
}

void WebSocket::SendBinary(std::string data) { impl_->Enqueue({std::move(data), false, false}); }

void WebSocket::SendText(std::string data) { impl_->Enqueue({std::move(data), true, false}); }

void WebSocket::Close() { impl_->Enqueue({"", false, true}); }

}  // namespace nest::client
