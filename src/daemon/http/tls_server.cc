#include "daemon/http/tls_server.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
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
#include "daemon/http/tls_wire_stream.h"
#include "daemon/http/websocket_upgrade.h"
#include "tls/certificate.h"

namespace nest::daemon::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using base::Error;
using base::Status;

namespace {

using Stream = TlsStream;

// Runs one asynchronous operation to completion (or its deadline) on `ioc`.
template <typename Start>
beast::error_code Await(asio::io_context& ioc, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string out;
  if (PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return base::HexEncode(digest, len);
}

Response Refuse(int status, std::string message) {
  return Response::ErrorStatus(status, std::move(message));
}

}  // namespace

Status ParseHostPort(const std::string& address, std::string* host, std::string* port) {
  auto bad = [&](const std::string& why) {
    return Error::Invalid("invalid address \"" + address + "\": " + why);
  };
  *port = "8443";  // LXD's default when the address names no port
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos) return bad("missing ']'");
    *host = address.substr(1, close - 1);
    if (close + 1 < address.size()) {
      if (address[close + 1] != ':') return bad("expected [ipv6]:port");
      *port = address.substr(close + 2);
    }
  } else {
    size_t colon = address.rfind(':');
    if (colon != std::string::npos && address.find(':') != colon) {
      return bad("an IPv6 host needs brackets");
    }
    *host = address.substr(0, colon);
    if (colon != std::string::npos) *port = address.substr(colon + 1);
  }
  long long n = 0;
  if (!base::ParseInt64(*port, &n) || n < 1 || n > 65535) {
    return bad("port \"" + *port + "\" is not a number from 1 to 65535");
  }
  return base::Ok();
}

struct TlsServer::Impl {
  Impl(Router& r, TrustFn t, TlsLimits l) : router(r), trust(std::move(t)), limits(l) {}

  void AcceptLoop();
  void Serve(int fd);
  void ServeConnection(Stream& stream, asio::io_context& ioc);

  Router& router;
  const TrustFn trust;
  const TlsLimits limits;

  // Set by Start, constant until Stop.
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::io_context> acceptor_ioc;
  std::shared_ptr<ssl::context> ssl_ctx;
  base::UniqueFd stop_fd;
  std::thread accept_thread;
  std::string bound;
  tcp protocol = tcp::v6();

  std::mutex mu;
  std::condition_variable cv;
  std::set<int> conns;    // protected by mu; open connection fds
  int live_threads = 0;   // protected by mu
  bool stopping = false;  // protected by mu
};

TlsServer::TlsServer(Router& router, TrustFn trust, TlsLimits limits)
    : impl_(std::make_unique<Impl>(router, std::move(trust), limits)) {}

TlsServer::~TlsServer() { Stop(); }

std::string TlsServer::bound_address() const {
  std::lock_guard lock(impl_->mu);
  return impl_->bound;
}

Status TlsServer::Start(const std::string& address, const std::string& cert_pem,
                        const std::string& key_pem) {
  Stop();
  Impl& impl = *impl_;
  std::string host, port;
  TRY(ParseHostPort(address, &host, &port));

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  ctx->use_certificate_chain(asio::buffer(cert_pem), ec);
  if (!ec) ctx->use_private_key(asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return Error::Internal("loading the server certificate: " + ec.message());
  // Ask for a client certificate but accept any (self-signed ones are the
  // norm); trust is decided from its fingerprint after the handshake.
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; });
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_TICKET);

  auto ioc = std::make_unique<asio::io_context>();
  tcp::resolver resolver(*ioc);
  tcp::resolver::results_type endpoints;
  if (host.empty() || host == "::" || host == "0.0.0.0") {
    endpoints = resolver.resolve(
        host.empty() ? "::" : host, port,
        tcp::resolver::passive | tcp::resolver::numeric_host | tcp::resolver::numeric_service, ec);
  } else {
    endpoints = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
  }
  if (ec || endpoints.empty()) {
    return Error::Invalid("cannot resolve \"" + host + "\" in address \"" + address +
                          "\": " + (ec ? ec.message() : "no addresses"));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return Error::Internal("socket for " + address + ": " + ec.message());
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (endpoint.address().is_v6() && endpoint.address().to_v6().is_unspecified()) {
    acceptor->set_option(asio::ip::v6_only(false), ec);
  }
  acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return Error::Conflict("cannot listen on \"" + address + "\": address already in use");
  }
  if (ec == boost::system::errc::address_not_available) {
    return Error::Invalid("cannot listen on \"" + address +
                          "\": the address is not one of this host's");
  }
  if (ec) return Error::Internal("cannot listen on \"" + address + "\": " + ec.message());
  acceptor->listen(128, ec);
  if (ec) return Error::Internal("cannot listen on \"" + address + "\": " + ec.message());
  ::fcntl(acceptor->native_handle(), F_SETFD, FD_CLOEXEC);

  base::UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!efd) return Error::FromErrno("eventfd", errno);

  auto local = acceptor->local_endpoint(ec);
  {
    std::lock_guard lock(impl.mu);
    impl.stopping = false;
    impl.bound = local.address().is_v6()
                     ? "[" + local.address().to_string() + "]:" + std::to_string(local.port())
                     : local.address().to_string() + ":" + std::to_string(local.port());
  }
  impl.protocol = endpoint.protocol();
  impl.ssl_ctx = std::move(ctx);
  impl.acceptor = std::move(acceptor);
  impl.acceptor_ioc = std::move(ioc);
  impl.stop_fd = std::move(efd);
  impl.accept_thread = std::thread([&impl] { impl.AcceptLoop(); });
  base::LogInfo("nestd serving HTTPS on " + impl.bound);
  return base::Ok();
}

void TlsServer::Stop() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mu);
    if (!impl.acceptor) return;
    impl.stopping = true;
    uint64_t one = 1;
    (void)!::write(impl.stop_fd.get(), &one, sizeof(one));
    for (int fd : impl.conns) ::shutdown(fd, SHUT_RDWR);
  }
  if (impl.accept_thread.joinable()) impl.accept_thread.join();
  {
    std::unique_lock lock(impl.mu);
    impl.cv.wait(lock, [&] { return impl.live_threads == 0; });
    impl.bound.clear();
  }
  boost::system::error_code ignored;
  impl.acceptor->close(ignored);
  impl.acceptor.reset();
  impl.acceptor_ioc.reset();
  impl.ssl_ctx.reset();
  impl.stop_fd = base::UniqueFd();
}

void TlsServer::Impl::AcceptLoop() {
  const int lfd = acceptor->native_handle();
  for (;;) {
    pollfd fds[2] = {{lfd, POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      base::LogError(std::string("poll on HTTPS listener: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        base::LogWarn(std::string("HTTPS accept: ") + std::strerror(errno));
      }
      continue;
    }
    std::lock_guard lock(mu);
    if (stopping) {
      ::close(cfd);
      return;
    }
    if (static_cast<int>(conns.size()) >= limits.max_connections) {
      base::LogWarn("HTTPS: " + std::to_string(conns.size()) +
                    " connections open, refusing another");
      ::close(cfd);
      continue;
    }
    conns.insert(cfd);
    ++live_threads;
    std::thread([this, cfd] { Serve(cfd); }).detach();
  }
}

void TlsServer::Impl::Serve(int fd) {
  try {
    asio::io_context ioc;
    Stream stream(ioc, *ssl_ctx);
    beast::get_lowest_layer(stream).socket().assign(protocol, fd);
    try {
      ServeConnection(stream, ioc);
    } catch (const std::exception& e) {
      base::LogError(std::string("HTTPS connection: ") + e.what());
    }
    std::lock_guard lock(mu);
    conns.erase(fd);
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  } catch (const std::exception& e) {
    base::LogError(std::string("HTTPS connection setup: ") + e.what());
    std::lock_guard lock(mu);
    if (conns.erase(fd) > 0) ::close(fd);
  }
  std::lock_guard lock(mu);
  --live_threads;
  cv.notify_all();
}

void TlsServer::Impl::ServeConnection(Stream& stream, asio::io_context& ioc) {
  auto& tcp_stream = beast::get_lowest_layer(stream);
  boost::system::error_code ec;
  auto peer = tcp_stream.socket().remote_endpoint(ec);
  std::string remote = ec ? "" : peer.address().to_string() + ":" + std::to_string(peer.port());

  tcp_stream.expires_after(std::chrono::seconds(limits.handshake_seconds));
  ec = Await(ioc, [&](auto handler) { stream.async_handshake(ssl::stream_base::server, handler); });
  if (ec) {
    base::LogDebug("HTTPS handshake with " + remote + ": " + ec.message());
    return;
  }
  std::string client_pem, client_fp;
  if (X509* cert = SSL_get_peer_certificate(stream.native_handle()); cert != nullptr) {
    client_pem = Pem(cert);
    client_fp = Sha256Hex(tls::DerOf(cert));
    X509_free(cert);
  }
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::empty_body> head;
    head.header_limit(limits.header_bytes);
    tcp_stream.expires_after(std::chrono::seconds(limits.idle_seconds));
    ec = Await(ioc, [&](auto h) { bhttp::async_read_header(stream, buffer, head, h); });
    if (ec) return;
    // Per request, so that a certificate added (or removed) takes effect on a
    // kept-alive connection at once, as lxc expects after `remote add`.
    const bool trusted = !client_fp.empty() && trust(client_fp);
    const uint64_t body_limit = trusted ? limits.trusted_body_bytes : limits.untrusted_body_bytes;
    const auto& req = head.get();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const bool is_head = req.method() == bhttp::verb::head;
    Request request = ToRequest(req);
    request.trusted = trusted;
    request.https = true;
    request.client_certificate = client_pem;
    request.client_fingerprint = client_fp;
    request.remote_address = remote;
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      tcp_stream.expires_after(std::chrono::seconds(limits.header_seconds));
      ec = Await(ioc, [&](auto h) { bhttp::async_write(stream, cont, h); });
      if (ec) return;
    }
    tcp_stream.expires_after(std::chrono::seconds(trusted ? limits.trusted_body_seconds
                                                          : limits.untrusted_body_seconds));
    // Untrusted callers never spool (SpoolDirFor): their bodies stay under the
    // in-memory cap, refused with 413 beyond it.
    BodySpool spool;
    if (std::string dir = router.SpoolDirFor(request); !dir.empty()) {
      bhttp::request_parser<bhttp::file_body> parser{std::move(head)};
      parser.body_limit(body_limit);
      if (auto s = spool.Open(dir, parser.get().body()); !s) {
        base::LogError(s.error().message());
        auto res = ToBeastResponse(Refuse(500, "cannot store the request body"), 11, false);
        (void)Await(ioc, [&](auto h) { bhttp::async_write(stream, res, h); });
        return;
      }
      ec = Await(ioc, [&](auto h) { bhttp::async_read(stream, buffer, parser, h); });
      request.body_file = spool.path();
    } else {
      bhttp::request_parser<bhttp::string_body> parser{std::move(head)};
      parser.body_limit(body_limit);
      ec = Await(ioc, [&](auto h) { bhttp::async_read(stream, buffer, parser, h); });
      request.body = std::move(parser.get().body());
    }
    if (ec) {
      int status = ec == bhttp::error::body_limit ? 413 : 400;
      if (ec != bhttp::error::end_of_stream) {
        auto res = ToBeastResponse(
            Refuse(status, status == 413 ? "request body too large" : ec.message()), 11, false);
        tcp_stream.expires_after(std::chrono::seconds(limits.header_seconds));
        (void)Await(ioc, [&](auto h) { bhttp::async_write(stream, res, h); });
      }
      return;
    }
    Response response = router.Dispatch(request);
    if (request.body_file.empty()) spool.Release();
    if (response.is_upgrade()) {
      tcp_stream.expires_after(std::chrono::seconds(limits.header_seconds));
      if (!CanAcceptWebSocket(request)) {
        auto bad = WebSocketRefused(version, keep_alive);
        ec = Await(ioc, [&](auto h) { bhttp::async_write(stream, bad, h); });
        if (ec || !keep_alive) break;
        continue;
      }
      auto up = WebSocketAccepted(request);
      ec = Await(ioc, [&](auto h) { bhttp::async_write(stream, up, h); });
      if (ec) return;
      // The websocket may stay open for hours (lxc monitor): no deadline on
      // reads; the wire bounds each write and drops dead peers.
      TlsWireLimits wire_limits;
      wire_limits.write_timeout = std::chrono::seconds(limits.write_seconds);
      wire_limits.dead_peer = std::chrono::seconds(limits.websocket_dead_peer_seconds);
      RunWebSocket(response, request.path, MakeTlsWireStream(stream, ioc, wire_limits),
                   std::string(static_cast<const char*>(buffer.data().data()), buffer.size()));
      return;
    }
    tcp_stream.expires_after(std::chrono::seconds(limits.write_seconds));
    if (response.is_stream()) {
      auto res = ToBeastStreamHeader(response, version, keep_alive);
      bhttp::response_serializer<bhttp::empty_body> sr{res};
      ec = Await(ioc, [&](auto h) { bhttp::async_write_header(stream, sr, h); });
      if (ec) break;
      if (!is_head && !WriteStreamBody(response, [&](std::string_view chunk) {
            tcp_stream.expires_after(std::chrono::seconds(limits.write_seconds));
            ec = Await(ioc, [&](auto h) {
              asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()), h);
            });
            return !ec;
          })) {
        break;
      }
    } else {
      auto res = ToBeastResponse(response, version, keep_alive);
      if (is_head) {
        bhttp::response_serializer<bhttp::string_body> sr{res};
        ec = Await(ioc, [&](auto h) { bhttp::async_write_header(stream, sr, h); });
      } else {
        ec = Await(ioc, [&](auto h) { bhttp::async_write(stream, res, h); });
      }
    }
    if (ec || !keep_alive) break;
  }
  tcp_stream.expires_after(std::chrono::seconds(2));
  (void)Await(ioc, [&](auto h) { stream.async_shutdown(h); });
}

}  // namespace nest::daemon::http
