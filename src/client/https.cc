#include "client/https.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/api/certificate.h"
#include "core/url.h"
#include "tls/certificate.h"

namespace nest::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using base::Error;
using base::ErrorKind;
using base::Result;

using Stream = beast::ssl_stream<beast::tcp_stream>;

template <typename Start>
beast::error_code Await(asio::io_context& ioc, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

// A remote server's address, as `nest remote add` takes it: https://host[:port]
// or host[:port], on LXD's port 8443 when none is given.
Result<core::Url> ParseRemoteUrl(const std::string& url) {
  bool has_scheme = url.find("://") != std::string::npos;
  auto parsed = core::ParseUrl(has_scheme ? url : "https://" + url);
  if (!parsed) {
    std::string why = parsed.error().message();
    if (size_t colon = why.find("\": "); colon != std::string::npos) why = why.substr(colon + 3);
    return Error::Invalid("invalid remote URL \"" + url + "\": " + why);
  }
  if (parsed->scheme != "https") {
    return Error::Invalid("invalid remote URL \"" + url + "\": only https:// is supported");
  }
  if (!parsed->port_given) parsed->port = "8443";
  return parsed;
}

// A connected, handshaken stream; *peer_der is the server's certificate.
struct Session {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<Stream> stream;
  std::string peer_der;
};

Result<std::unique_ptr<Session>> Open(const std::string& url, const tls::Identity& client,
                                      int timeout_seconds) {
  core::Url u = TRY(ParseRemoteUrl(url));
  auto s = std::make_unique<Session>();
  boost::system::error_code ec;
  s->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  // Self-signed servers are the norm: the chain is not verified here; the
  // caller compares the certificate with the pinned one instead.
  s->ctx.set_verify_mode(ssl::verify_none);
  if (!client.cert_pem.empty()) {
    s->ctx.use_certificate_chain(asio::buffer(client.cert_pem), ec);
    if (!ec) s->ctx.use_private_key(asio::buffer(client.key_pem), ssl::context::pem, ec);
    if (ec) return Error::Internal("loading the client certificate: " + ec.message());
  }
  s->stream = std::make_unique<Stream>(s->ioc, s->ctx);
  auto unreachable = [&](const std::string& why) {
    return Error(ErrorKind::kUnavailable, "cannot reach " + url + ": " + why);
  };
  tcp::resolver resolver(s->ioc);
  auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return unreachable(ec.message());
  auto& lowest = beast::get_lowest_layer(*s->stream);
  lowest.expires_after(std::chrono::seconds(timeout_seconds));
  ec = Await(s->ioc, [&](auto h) { lowest.async_connect(endpoints, h); });
  if (ec) return unreachable(ec == beast::error::timeout ? "timed out" : ec.message());
  SSL_set_tlsext_host_name(s->stream->native_handle(), u.host.c_str());
  lowest.expires_after(std::chrono::seconds(timeout_seconds));
  ec = Await(s->ioc, [&](auto h) { s->stream->async_handshake(ssl::stream_base::client, h); });
  if (ec) return unreachable("TLS handshake: " + ec.message());
  X509* cert = SSL_get_peer_certificate(s->stream->native_handle());
  if (cert == nullptr) return unreachable("the server presented no certificate");
  s->peer_der = tls::DerOf(cert);
  X509_free(cert);
  return s;
}

}  // namespace

std::string ConfigDir() {
  if (const char* d = std::getenv("NEST_CONF_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/nest";
  const char* home = std::getenv("HOME");
  std::string h = home && *home ? home : "";
  if (h.empty()) {
    if (passwd* pw = ::getpwuid(::getuid()); pw != nullptr) h = pw->pw_dir;
  }
  return h + "/.config/nest";
}

Result<tls::Identity> LoadOrCreateClientIdentity(const std::string& dir) {
  std::string path;
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error::FromErrno("creating " + path, errno);
    }
  }
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const char* user = std::getenv("USER");
  tls::IdentitySpec spec;
  spec.common_name = std::string(user && *user ? user : "root") + "@" + host;
  spec.client = true;
  return TRY_CTX(tls::LoadOrCreateIdentity(dir + "/client.crt", dir + "/client.key", spec),
                 "preparing the client certificate in " + dir);
}

Result<std::string> FetchServerCertificate(const std::string& url, int timeout_seconds) {
  auto s = TRY(Open(url, tls::Identity{}, timeout_seconds));
  return tls::PemFromDer(s->peer_der);
}

Result<HttpResult> HttpsRequest(const HttpsRemote& remote, const std::string& method,
                                const std::string& path, const std::string& body,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
  auto s = TRY(Open(remote.url, remote.client, remote.timeout_seconds));
  if (!remote.server_certificate.empty()) {
    std::string pinned = TRY(tls::Fingerprint(remote.server_certificate));
    std::string got = tls::FingerprintDer(s->peer_der);
    if (got != pinned) {
      return Error(ErrorKind::kForbidden, "server certificate of " + remote.url +
                                              " changed: fingerprint " + got + ", pinned " +
                                              pinned);
    }
  }
  core::Url u = TRY(ParseRemoteUrl(remote.url));
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(path);
  req.version(11);
  req.set(bhttp::field::host, u.host);
  req.set(bhttp::field::user_agent, "nest/0.1");
  req.keep_alive(false);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  auto& lowest = beast::get_lowest_layer(*s->stream);
  std::string what = method + " " + remote.url + path;
  lowest.expires_after(std::chrono::seconds(remote.timeout_seconds));
  auto ec = Await(s->ioc, [&](auto h) { bhttp::async_write(*s->stream, req, h); });
  if (ec) return Error(ErrorKind::kUnavailable, what + ": sending: " + ec.message());
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  lowest.expires_after(std::chrono::seconds(remote.timeout_seconds));
  ec = Await(s->ioc, [&](auto h) { bhttp::async_read(*s->stream, buffer, parser, h); });
  if (ec) return Error(ErrorKind::kUnavailable, what + ": reading the answer: " + ec.message());
  HttpResult out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = parser.get().body();
  if (auto it = parser.get().find(bhttp::field::etag); it != parser.get().end()) {
    out.etag = std::string(it->value());
  }
  return out;
}

namespace {

// POST the token, then GET /1.0 must say "trusted".
base::Status Join(const HttpsRemote& remote, const std::string& token) {
  nlohmann::json post = {{"type", "client"}, {"trust_token", token}, {"password", token}};
  HttpResult r = TRY(HttpsRequest(remote, "POST", "/1.0/certificates", post.dump()));
  if (r.status >= 400) {
    auto env = nlohmann::json::parse(r.body, nullptr, false);
    std::string msg = env.is_object() ? env.value("error", "") : "";
    return Error(ErrorKind::kForbidden,
                 remote.url + " refused the token: " +
                     (msg.empty() ? "HTTP " + std::to_string(r.status) : msg));
  }
  HttpResult info = TRY(HttpsRequest(remote, "GET", "/1.0", ""));
  auto env = nlohmann::json::parse(info.body, nullptr, false);
  if (!env.is_object() || !env.contains("metadata") ||
      env["metadata"].value("auth", "") != "trusted") {
    return Error(ErrorKind::kForbidden, remote.url + " does not trust us after the token");
  }
  return base::Ok();
}

}  // namespace

Result<HttpsRemote> AddRemoteWithToken(const std::string& token, const tls::Identity& client) {
  auto decoded = TRY(core::api::DecodeToken(token));
  if (decoded.addresses.empty()) {
    return Error::Invalid("the token names no server address (is core.https_address set?)");
  }
  std::vector<std::string> failures;
  for (const auto& address : decoded.addresses) {
    std::string url = "https://" + address;
    auto cert = FetchServerCertificate(url);
    if (!cert) {
      failures.push_back(cert.error().message());
      continue;
    }
    std::string fp = TRY(tls::Fingerprint(*cert));
    if (fp != decoded.fingerprint) {
      return Error(ErrorKind::kForbidden, "certificate fingerprint mismatch between the token (" +
                                              decoded.fingerprint + ") and " + url + " (" + fp +
                                              ")");
    }
    HttpsRemote remote{url, *cert, client};
    TRY(Join(remote, token));
    return remote;
  }
  std::string all;
  for (const auto& f : failures) all += (all.empty() ? "" : "; ") + f;
  return Error(ErrorKind::kUnavailable, "no address of the token answers: " + all);
}

Result<HttpsRemote> AddRemoteAcceptingCertificate(const std::string& url,
                                                  const tls::Identity& client,
                                                  const std::string& token) {
  std::string cert = TRY(FetchServerCertificate(url));
  HttpsRemote remote{url, cert, client};
  if (!token.empty()) TRY(Join(remote, token));
  return remote;
}

}  // namespace nest::client
