#include "client/connection.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/unique_fd.h"
#include "client/fd_stream.h"

namespace nest::client {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using base::Error;
using base::ErrorKind;
using base::Result;
using nlohmann::json;

Error ProtocolError(const std::string& what) {
  return Error::Internal("invalid response from nestd: " + what);
}

// Connects a blocking unix stream socket to `path`; errno on failure.
Result<base::UniqueFd> ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return Error::FromErrno("connect", ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::FromErrno("socket", errno);
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    if (errno != EINTR) return Error::FromErrno("connect", errno);
  }
  return fd;
}

}  // namespace

std::string DefaultSocketPath() {
  if (const char* s = std::getenv("NEST_SOCKET"); s && *s) return s;
  if (const char* d = std::getenv("NEST_DIR"); d && *d) return std::string(d) + "/unix.socket";
  return "/var/lib/nest/unix.socket";
}

std::string UnreachableMessage(const std::string& socket_path, int sys_errno) {
  std::string msg = "cannot reach nestd at " + socket_path + " (" + std::strerror(sys_errno) + ")";
  if (sys_errno == EACCES || sys_errno == EPERM) {
    return msg + ": run as root or join the group nest";
  }
  return msg + ": is it running? Start it with \"nestd --detach\"";
}

ErrorKind KindForStatus(int code) {
  switch (code) {
    case 400:
      return ErrorKind::kInvalid;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 412:
      return ErrorKind::kPrecondition;
    default:
      return ErrorKind::kInternal;
  }
}

struct PendingRequest::Impl {
  base::UniqueFd sock;
  std::string what;       // "GET /1.0/..." for error messages
  bool reusable = false;  // the response was read whole and nestd keeps the connection
};

PendingRequest::PendingRequest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PendingRequest::PendingRequest(PendingRequest&&) noexcept = default;
PendingRequest& PendingRequest::operator=(PendingRequest&&) noexcept = default;
PendingRequest::~PendingRequest() = default;

int PendingRequest::fd() const { return impl_->sock.get(); }

Result<Response> PendingRequest::Receive() {
  boost::system::error_code ec;
  boost::beast::flat_buffer buffer;
  buffer.reserve(16 * 1024);  // most answers in one read (Beast starts at 512 bytes)
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  FdStream stream(impl_->sock.get());
  http::read(stream, buffer, parser, ec);
  if (ec) return Error::Internal(impl_->what + ": reading response: " + ec.message());
  auto& res = parser.get();
  impl_->reusable = parser.is_done() && res.keep_alive() && buffer.size() == 0;
  std::string etag;
  if (auto it = res.find(http::field::etag); it != res.end()) etag = std::string(it->value());
  Response decoded =
      TRY(Connection::DecodeBody(static_cast<int>(res.result_int()), res.body(), impl_->what));
  decoded.etag = std::move(etag);
  return decoded;
}

Result<Response> Connection::Do(std::string_view method, std::string_view path, const json& body,
                                const Headers& headers) {
  if (has_remote_) {
    std::string what = std::string(method) + " " + remote_.url + std::string(path);
    HttpResult r = TRY(HttpsRequest(remote_, std::string(method), std::string(path),
                                    body.is_null() ? "" : body.dump(), headers));
    Response decoded = TRY(DecodeBody(r.status, r.body, what));
    decoded.etag = r.etag;
    return decoded;
  }
  return TRY(Send(method, path, body, headers)).Receive();
}

Result<PendingRequest> Connection::Send(std::string_view method, std::string_view path,
                                        const json& body, const Headers& headers, bool keep_open) {
  if (has_remote_) return Error::Internal("Connection::Send: not over HTTPS");
  auto sock = ConnectUnix(socket_path_);
  if (!sock) {
    int err = sock.error().sys_errno();
    return Error(ErrorKind::kUnavailable, UnreachableMessage(socket_path_, err), err);
  }
  return SendOn(std::move(*sock), method, path, body, headers, keep_open);
}

Result<PendingRequest> Connection::Then(PendingRequest answered, std::string_view method,
                                        std::string_view path) {
  if (!answered.impl_ || !answered.impl_->reusable) return Send(method, path);
  return SendOn(std::move(answered.impl_->sock), method, path, nullptr, {}, false);
}

Result<PendingRequest> Connection::SendOn(base::UniqueFd sock, std::string_view method,
                                          std::string_view path, const json& body,
                                          const Headers& headers, bool keep_open) {
  auto impl = std::make_unique<PendingRequest::Impl>();
  impl->sock = std::move(sock);

  http::request<http::string_body> req;
  req.method_string(boost::beast::string_view(method.data(), method.size()));
  req.target(boost::beast::string_view(path.data(), path.size()));
  req.version(11);
  req.set(http::field::host, "unix.socket");
  req.set(http::field::user_agent, "nest/0.1");
  req.keep_alive(keep_open);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.is_null()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
  }
  req.prepare_payload();

  impl->what = std::string(method) + " " + std::string(path);
  boost::system::error_code ec;
  FdStream stream(impl->sock.get());
  http::write(stream, req, ec);
  if (ec) return Error::Internal(impl->what + ": sending request: " + ec.message());
  return PendingRequest(std::move(impl));
}

Result<Response> Connection::DecodeBody(int http_status, std::string_view body,
                                        std::string_view what_view) {
  std::string what(what_view);
  Response out;
  out.http_status = http_status;
  json env = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!env.is_object()) {
    if (out.http_status >= 400) {
      return Error(KindForStatus(out.http_status),
                   what + ": HTTP " + std::to_string(out.http_status));
    }
    return ProtocolError(what + ": not a JSON envelope");
  }
  try {
    return Decode(env, std::move(out));
  } catch (const json::exception& e) {
    return ProtocolError(what + ": " + e.what());
  }
}

Result<Response> Connection::Decode(const json& env, Response out) {
  std::string type = env.value("type", "");
  if (type == "error" || out.http_status >= 400) {
    int code = env.value("error_code", 0);
    if (code == 0) code = out.http_status;
    std::string msg = env.value("error", "");
    if (msg.empty()) msg = "HTTP " + std::to_string(code);
    return Error(KindForStatus(code), msg);
  }
  out.async = type == "async";
  out.metadata = env.contains("metadata") ? env["metadata"] : json();
  if (env.contains("operation") && env["operation"].is_string()) {
    out.operation = env["operation"].get<std::string>();
  }
  return out;
}

Result<json> Connection::Get(std::string_view path, std::string* etag) {
  Response r = TRY(Do("GET", path));
  if (etag) *etag = r.etag;
  return std::move(r.metadata);
}

Result<json> Connection::Post(std::string_view path, const json& body, const Headers& headers) {
  return TRY(Do("POST", path, body, headers)).metadata;
}

Result<json> Connection::Put(std::string_view path, const json& body, const Headers& headers) {
  return TRY(Do("PUT", path, body, headers)).metadata;
}

Result<json> Connection::Patch(std::string_view path, const json& body, const Headers& headers) {
  return TRY(Do("PATCH", path, body, headers)).metadata;
}

Result<json> Connection::Delete(std::string_view path, const Headers& headers) {
  return TRY(Do("DELETE", path, nullptr, headers)).metadata;
}

}  // namespace nest::client
