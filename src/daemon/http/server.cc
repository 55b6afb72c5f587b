#include "daemon/http/server.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "daemon/http/beast_glue.h"
#include "daemon/http/router.h"
#include "daemon/http/websocket_upgrade.h"
#include "daemon/http/wire_stream.h"

namespace nest::daemon::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using base::Error;
using base::Status;

namespace {

constexpr uint64_t kBodyLimit = 8ull << 30;

base::Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Error::Invalid("socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True if something accepts connections on `path`.
bool Answers(const sockaddr_un& addr) {
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

struct Server::Impl {
  explicit Impl(Router& r) : router(r) {}

  // Starts a thread running Worker; requires mu.
  void StartWorkerLocked();
  // Accepts a connection and serves it, again and again (leader/followers: the
  // thread the kernel wakes for a connection serves it itself, one wake-up
  // instead of an acceptor's and then a worker's). Before serving, it makes
  // sure another thread waits in accept; after, it goes back to accept unless
  // kMaxIdle threads already wait there.
  void Worker();
  void Serve(int fd);
  void ServeConnection(asio::local::stream_protocol::socket& sock);

  // An exec holds up to 5 connections at once (4 streams, the wait): with
  // fewer threads kept waiting, each exec started a thread and ended one
  // (-0.1 ms per exec, paired A/B).
  static constexpr int kMaxIdle = 8;

  Router& router;

  // Set by Listen, constant while Run.
  base::UniqueFd listen_fd;  // blocking: accept4 waits in the kernel, which wakes one thread
  std::string socket_path;

  std::mutex mu;
  // Once stopping: a worker exited, or a connection ended (Run and the
  // destructor wait for the last); no one waits on it before.
  std::condition_variable cv;
  std::set<int> conns;    // protected by mu; open connection fds
  int live_conns = 0;     // protected by mu; connections being served
  int threads = 0;        // protected by mu; Worker threads alive
  int accepting = 0;      // protected by mu; of which waiting in accept4
  bool stopping = false;  // protected by mu
};

Server::Server(Router& router) : impl_(std::make_unique<Impl>(router)) {}

Server::~Server() {
  Stop();
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->live_conns == 0 && impl_->threads == 0; });
}

Status Server::Listen(const std::string& socket_path) {
  sockaddr_un addr = TRY_CTX(UnixAddress(socket_path), "listening on " + socket_path);
  struct stat st;
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (Answers(addr)) {
      return Error::Conflict("nestd is already running (socket " + socket_path + " answers)");
    }
    if (::unlink(socket_path.c_str()) != 0) {
      return Error::FromErrno("removing stale socket " + socket_path, errno);
    }
  }
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::FromErrno("socket", errno);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Error::FromErrno("bind " + socket_path, errno);
  }
  if (::chmod(socket_path.c_str(), 0660) != 0) {
    return Error::FromErrno("chmod " + socket_path, errno);
  }
  if (group* g = ::getgrnam("nest"); g != nullptr) {
    if (::chown(socket_path.c_str(), 0, g->gr_gid) != 0) {
      base::LogWarn("chown " + socket_path + " to root:nest: " + std::strerror(errno));
    }
  }
  if (::listen(fd.get(), 128) != 0) return Error::FromErrno("listen " + socket_path, errno);
  impl_->listen_fd = std::move(fd);
  impl_->socket_path = socket_path;
  return base::Ok();
}

void Server::Run() {
  Impl& impl = *impl_;
  if (!impl.listen_fd) return;
  std::unique_lock lock(impl.mu);
  if (!impl.stopping) impl.StartWorkerLocked();
  impl.cv.wait(lock, [&] { return impl.live_conns == 0 && impl.threads == 0; });
}

void Server::Stop() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  if (impl.stopping) return;
  impl.stopping = true;
  // Wakes every thread blocked in accept4 (EINVAL); none accepts again.
  if (impl.listen_fd) ::shutdown(impl.listen_fd.get(), SHUT_RDWR);
  impl.cv.notify_all();  // a worker backing off after an accept error
  for (int fd : impl.conns) ::shutdown(fd, SHUT_RDWR);
  if (!impl.socket_path.empty()) ::unlink(impl.socket_path.c_str());
}

void Server::Impl::StartWorkerLocked() {
  ++threads;
  std::thread([this] { Worker(); }).detach();
}

void Server::Impl::Worker() {
  std::unique_lock lock(mu);
  while (!stopping) {
    ++accepting;
    lock.unlock();
    int cfd = ::accept4(listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
    int err = errno;
    lock.lock();
    --accepting;
    if (stopping) {
      if (cfd >= 0) ::close(cfd);
      break;
    }
    if (cfd < 0) {
      if (err != EINTR && err != EAGAIN && err != ECONNABORTED) {
        base::LogWarn(std::string("accept: ") + std::strerror(err));
        // Out of descriptors, say: wait for some to be closed, not in a busy loop.
        cv.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping; });
      }
      continue;
    }
    conns.insert(cfd);
    ++live_conns;
    if (accepting == 0) StartWorkerLocked();  // the next connection needs a thread in accept4
    lock.unlock();
    Serve(cfd);
    lock.lock();
    if (accepting >= kMaxIdle) break;
  }
  --threads;
  if (stopping) cv.notify_all();
}

void Server::Impl::Serve(int fd) {
  // One io_context per worker thread, kept for its next connections (only
  // synchronous I/O: it is never run).
  thread_local asio::io_context ioc;
  try {
    asio::local::stream_protocol::socket sock(ioc, asio::local::stream_protocol(), fd);
    try {
      ServeConnection(sock);
    } catch (const std::exception& e) {
      base::LogError(std::string("connection: ") + e.what());
    }
    std::lock_guard lock(mu);
    conns.erase(fd);
    boost::system::error_code ignored;
    sock.close(ignored);
  } catch (const std::exception& e) {
    base::LogError(std::string("connection setup: ") + e.what());
    std::lock_guard lock(mu);
    if (conns.erase(fd) > 0) ::close(fd);
  }
  std::lock_guard lock(mu);
  --live_conns;
  if (stopping) cv.notify_all();
}

void Server::Impl::ServeConnection(asio::local::stream_protocol::socket& sock) {
  const int fd = sock.native_handle();
  ucred cred{-1, static_cast<uid_t>(-1), static_cast<gid_t>(-1)};
  socklen_t cred_len = sizeof(cred);
  (void)::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len);

  beast::flat_buffer buffer;
  auto bad_request = [&](const std::string& message) {
    bhttp::response<bhttp::string_body> bad{bhttp::status::bad_request, 11};
    bad.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    bad.body() = message + "\n";
    bad.keep_alive(false);
    bad.prepare_payload();
    beast::error_code ignored;
    bhttp::write(sock, bad, ignored);
  };
  for (;;) {
    beast::error_code ec;
    bhttp::request_parser<bhttp::empty_body> head;
    head.body_limit(kBodyLimit);
    bhttp::read_header(sock, buffer, head, ec);
    if (ec) return;
    const auto& req = head.get();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const bool is_head = req.method() == bhttp::verb::head;
    Request request = ToRequest(req);
    request.peer_pid = cred.pid;
    request.peer_uid = cred.uid;
    request.peer_gid = cred.gid;
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      bhttp::write(sock, cont, ec);
      if (ec) return;
    }
    BodySpool spool;
    if (std::string dir = router.SpoolDirFor(request); !dir.empty()) {
      bhttp::request_parser<bhttp::file_body> parser{std::move(head)};
      parser.body_limit(kBodyLimit);
      if (auto s = spool.Open(dir, parser.get().body()); !s) {
        base::LogError(s.error().message());
        bad_request("cannot store the request body");
        return;
      }
      bhttp::read(sock, buffer, parser, ec);
      request.body_file = spool.path();
    } else {
      bhttp::request_parser<bhttp::string_body> parser{std::move(head)};
      parser.body_limit(kBodyLimit);
      bhttp::read(sock, buffer, parser, ec);
      request.body = std::move(parser.get().body());
    }
    if (ec) {
      if (ec != bhttp::error::end_of_stream) bad_request(ec.message());
      return;
    }
    Response response = router.Dispatch(request);
    if (request.body_file.empty()) spool.Release();

    if (response.is_upgrade()) {
      if (!CanAcceptWebSocket(request)) {
        auto bad = WebSocketRefused(version, keep_alive);
        bhttp::write(sock, bad, ec);
        if (ec || !keep_alive) return;
        continue;
      }
      auto up = WebSocketAccepted(request);
      bhttp::write(sock, up, ec);
      if (ec) return;
      RunWebSocket(response, request.path, MakeFdWireStream(fd),
                   std::string(static_cast<const char*>(buffer.data().data()), buffer.size()));
      return;
    }

    if (response.is_stream()) {
      auto res = ToBeastStreamHeader(response, version, keep_alive);
      bhttp::response_serializer<bhttp::empty_body> sr{res};
      bhttp::write_header(sock, sr, ec);
      if (ec) return;
      if (!is_head && !WriteStreamBody(response, [&](std::string_view chunk) {
            asio::write(sock, asio::buffer(chunk.data(), chunk.size()), ec);
            return !ec;
          })) {
        return;
      }
    } else {
      auto res = ToBeastResponse(response, version, keep_alive);
      if (is_head) {
        bhttp::response_serializer<bhttp::string_body> sr{res};
        bhttp::write_header(sock, sr, ec);
      } else {
        bhttp::write(sock, res, ec);
      }
    }
    if (ec || !keep_alive) return;
  }
}

}  // namespace nest::daemon::http
