#include "daemon/download/http_fetch.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <memory>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "core/url.h"

namespace nest::daemon::download {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using base::Error;
using boost::system::error_code;

constexpr int64_t kDefaultTextLimit = int64_t{64} << 20;

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string((d.count() + 999) / 1000) + " s";
}

// Runs one asynchronous operation to completion on `ioc`.
template <typename Start>
error_code Await(asio::io_context& ioc, Start&& start, size_t* transferred = nullptr) {
  error_code result;
  bool done = false;
  start([&](error_code ec, auto n) {
    result = ec;
    if constexpr (std::is_integral_v<decltype(n)>) {
      if (transferred) *transferred = n;
    }
    done = true;
  });
  ioc.restart();
  while (!done && ioc.run_one()) {
  }
  return result;
}

// What one exchange delivers to its caller.
struct Sink {
  // Called once the header is read; returning an error stops the exchange.
  std::function<base::Status(const bhttp::response_header<>&)> header;
  std::function<base::Status(const char*, size_t)> chunk;
};

// The response header's status and Location (redirects are handled above).
struct Exchange {
  int status = 0;
  std::string location;
  std::string content_type;
};

template <typename Stream>
base::Result<Exchange> Transfer(asio::io_context& ioc, Stream& stream, const core::Url& url,
                                const std::string& what, const FetchOptions& options,
                                const Sink& sink) {
  auto& lowest = beast::get_lowest_layer(stream);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, url.path, 11};
  req.set(bhttp::field::host, options.unix_socket.empty() ? url.host : "unix.socket");
  req.set(bhttp::field::user_agent, "nest");
  req.set(bhttp::field::connection, "close");
  lowest.expires_after(options.idle_timeout);
  error_code ec = Await(ioc, [&](auto h) { bhttp::async_write(stream, req, h); });
  if (ec) return Error::Unavailable(what + ": sending the request: " + ec.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  // Not boost::none: Boost 1.74 compares a Content-Length against an empty
  // optional limit as "greater" and fails with body_limit.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  lowest.expires_after(options.idle_timeout);
  ec = Await(ioc, [&](auto h) { bhttp::async_read_header(stream, buffer, parser, h); });
  if (ec == beast::error::timeout) {
    return Error::Unavailable(what + ": no answer within " + Seconds(options.idle_timeout));
  }
  if (ec) return Error::Unavailable(what + ": reading the answer: " + ec.message());
  Exchange ex;
  const auto& header = parser.get();
  ex.status = static_cast<int>(header.result_int());
  ex.location = std::string(header[bhttp::field::location]);
  ex.content_type = std::string(header[bhttp::field::content_type]);
  if (ex.status >= 300 && ex.status < 400 && !ex.location.empty()) return ex;
  TRY(sink.header(parser.get().base()));
  int64_t total = parser.content_length() ? static_cast<int64_t>(*parser.content_length()) : -1;
  if (options.max_bytes > 0 && total > options.max_bytes) {
    return Error::Invalid(what + ": the file is " + std::to_string(total) +
                          " bytes, more than the limit of " + std::to_string(options.max_bytes));
  }
  int64_t done = 0;
  std::vector<char> chunk(1 << 16);
  while (!parser.is_done()) {
    if (options.cancelled && options.cancelled())
      return Error::Conflict(what + ": download cancelled");
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    lowest.expires_after(options.idle_timeout);
    ec = Await(ioc, [&](auto h) { bhttp::async_read(stream, buffer, parser, h); });
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t n = chunk.size() - parser.get().body().size;
    if (n > 0) {
      done += static_cast<int64_t>(n);
      if (options.max_bytes > 0 && done > options.max_bytes) {
        return Error::Invalid(what + ": more than the limit of " +
                              std::to_string(options.max_bytes) + " bytes");
      }
      TRY(sink.chunk(chunk.data(), n));
      if (options.progress) options.progress(done, total);
    }
    if (ec == beast::error::timeout) {
      return Error::Unavailable(what + ": the transfer stalled (nothing for " +
                                Seconds(options.idle_timeout) + ") after " + std::to_string(done) +
                                " bytes");
    }
    if (ec) {
      std::string got = "got " + std::to_string(done) +
                        (total >= 0 ? " of " + std::to_string(total) : std::string()) + " bytes";
      return Error::Unavailable(what + ": truncated: the connection ended early (" + got +
                                "): " + ec.message());
    }
  }
  return ex;
}

// An SSL context verifying against the system CAs, or against one pinned certificate.
base::Result<std::unique_ptr<ssl::context>> TlsContext(const FetchOptions& options,
                                                       const std::string& host) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_peer);
  if (options.pinned_certificate.empty()) {
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return Error::Internal("loading the system CA certificates: " + ec.message());
    ctx->set_verify_callback(ssl::host_name_verification(host));
    return ctx;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(options.pinned_certificate.data(),
                      static_cast<int>(options.pinned_certificate.size())),
      BIO_free);
  std::shared_ptr<X509> pinned(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!pinned) return Error::Invalid("the remote's certificate is not a PEM certificate");
  ctx->set_verify_callback([pinned](bool, ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    // Only the server's own certificate (depth 0) decides; the chain above it is ignored.
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
    X509* peer = X509_STORE_CTX_get_current_cert(store);
    return peer && X509_cmp(peer, pinned.get()) == 0;
  });
  return ctx;
}

base::Result<Exchange> ExchangeOnce(const core::Url& url, const std::string& what,
                                    const FetchOptions& options, const Sink& sink) {
  asio::io_context ioc;
  if (!options.unix_socket.empty()) {
    beast::basic_stream<asio::local::stream_protocol> stream(ioc);
    stream.expires_after(options.connect_timeout);
    error_code ec = Await(ioc, [&](auto h) {
      stream.async_connect(asio::local::stream_protocol::endpoint(options.unix_socket),
                           [h](error_code e) mutable { h(e, 0); });
    });
    if (ec) {
      return Error::Unavailable("cannot reach unix://" + options.unix_socket + ": " + ec.message());
    }
    return Transfer(ioc, stream, url, what, options, sink);
  }
  asio::ip::tcp::resolver resolver(ioc);
  asio::ip::tcp::resolver::results_type endpoints;
  error_code ec = Await(ioc, [&](auto h) {
    resolver.async_resolve(
        url.host, url.port,
        [&endpoints, h](error_code e, asio::ip::tcp::resolver::results_type r) mutable {
          endpoints = r;
          h(e, 0);
        });
  });
  if (ec) return Error::Unavailable("cannot reach " + url.Origin() + ": " + ec.message());
  auto connect = [&](beast::tcp_stream& tcp) -> base::Status {
    tcp.expires_after(options.connect_timeout);
    error_code cec = Await(ioc, [&](auto h) {
      tcp.async_connect(endpoints, [h](error_code e, auto) mutable { h(e, 0); });
    });
    if (cec == beast::error::timeout) {
      return Error::Unavailable("cannot reach " + url.Origin() + ": no connection within " +
                                Seconds(options.connect_timeout));
    }
    if (cec) return Error::Unavailable("cannot reach " + url.Origin() + ": " + cec.message());
    return base::Ok();
  };
  if (url.scheme == "http") {
    beast::tcp_stream stream(ioc);
    TRY(connect(stream));
    return Transfer(ioc, stream, url, what, options, sink);
  }
  auto tls = TRY(TlsContext(options, url.host));
  beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    return Error::Internal("setting the TLS server name " + url.host);
  }
  TRY(connect(beast::get_lowest_layer(stream)));
  beast::get_lowest_layer(stream).expires_after(options.connect_timeout);
  ec = Await(ioc, [&](auto h) {
    stream.async_handshake(ssl::stream_base::client, [h](error_code e) mutable { h(e, 0); });
  });
  if (ec) {
    std::string why = ec.message();
    if (ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      why = options.pinned_certificate.empty()
                ? "the server's certificate is not trusted (not signed by a system CA, or not "
                  "for this name)"
                : "the server's certificate is not the one recorded for this remote";
    }
    return Error::Unavailable("TLS with " + url.Origin() + ": " + why);
  }
  return Transfer(ioc, stream, url, what, options, sink);
}

// Follows redirects; `sink` is only fed by the final response.
base::Result<Exchange> Fetch(const std::string& url_text, const FetchOptions& options,
                             const Sink& sink) {
  std::string current = url_text;
  for (int hop = 0;; ++hop) {
    core::Url url = TRY(core::ParseUrl(current));
    if (url.scheme == "unix")
      return Error::Invalid("GET " + current + ": use FetchOptions::unix_socket");
    std::string what = "GET " + current;
    Exchange ex = TRY(ExchangeOnce(url, what, options, sink));
    if (ex.status < 300 || ex.status >= 400 || ex.location.empty()) return ex;
    if (hop >= options.max_redirects) return Error::Invalid(what + ": too many redirects");
    if (ex.location[0] == '/') {
      current = url.Origin() + ex.location;
    } else {
      current = ex.location;
    }
    if (url.scheme == "https" && base::StartsWith(current, "http:")) {
      return Error::Invalid(what + ": refusing a redirect from https to " + current);
    }
  }
}

}  // namespace

base::Result<FetchedFile> FetchToFile(const std::string& url, const std::string& out_path,
                                      const FetchOptions& options) {
  base::UniqueFd fd(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::FromErrno("creating " + out_path, errno);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  FetchedFile out;
  Sink sink;
  sink.header = [&](const bhttp::response_header<>& h) -> base::Status {
    int status = static_cast<int>(h.result_int());
    out.content_type = std::string(h[bhttp::field::content_type]);
    if (status == 404) return Error::NotFound("GET " + url + ": 404 not found");
    if (status < 200 || status >= 300) {
      return Error::Unavailable("GET " + url + ": HTTP " + std::to_string(status) + " " +
                                std::string(h.reason()));
    }
    return base::Ok();
  };
  sink.chunk = [&](const char* data, size_t n) -> base::Status {
    EVP_DigestUpdate(md.get(), data, n);
    out.bytes += static_cast<int64_t>(n);
    while (n > 0) {
      ssize_t w = ::write(fd.get(), data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error::FromErrno("writing " + out_path, errno);
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return base::Ok();
  };
  TRY(Fetch(url, options, sink));
  if (::fsync(fd.get()) != 0) return Error::FromErrno("fsync " + out_path, errno);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  out.sha256 = base::HexEncode(digest, len);
  return out;
}

base::Result<FetchedText> FetchToString(const std::string& url, const FetchOptions& options) {
  FetchOptions o = options;
  if (o.max_bytes <= 0) o.max_bytes = kDefaultTextLimit;
  FetchedText out;
  Sink sink;
  sink.header = [&](const bhttp::response_header<>& h) -> base::Status {
    out.status = static_cast<int>(h.result_int());
    out.content_type = std::string(h[bhttp::field::content_type]);
    return base::Ok();
  };
  sink.chunk = [&](const char* data, size_t n) -> base::Status {
    out.body.append(data, n);
    return base::Ok();
  };
  TRY(Fetch(url, o, sink));
  return out;
}

}  // namespace nest::daemon::download
