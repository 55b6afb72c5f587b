#include "client/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <limits>

#include "base/unique_fd.h"
#include "core/http_header.h"

namespace nest::client {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using base::Error;
using base::Result;
using base::Status;

constexpr size_t kChunk = 1 << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Result<asio::local::stream_protocol::socket> Connect(asio::io_context& ioc,
                                                     const std::string& socket_path) {
  asio::local::stream_protocol::socket sock(ioc);
  boost::system::error_code ec;
  sock.connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec) {
    return Error(base::ErrorKind::kUnavailable, UnreachableMessage(socket_path, ec.value()),
                 ec.value());
  }
  return sock;
}

Error OpenError(const std::string& path, int err) {
  return Error::FromErrno("opening " + path, err);
}

}  // namespace

Result<Response> SendStreamed(Connection& conn, std::string_view method, std::string_view path,
                              const std::vector<BodyPiece>& body, const Headers& headers,
                              const std::function<void(uint64_t, uint64_t)>& on_progress) {
  std::string what = std::string(method) + " " + std::string(path);
  // Open every file first: a missing one fails before anything is sent.
  std::vector<base::UniqueFd> fds;
  uint64_t total = 0;
  for (const auto& piece : body) {
    if (piece.file.empty()) {
      fds.emplace_back();
      total += piece.data.size();
      continue;
    }
    int fd = ::open(piece.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(piece.file, errno);
    fds.emplace_back(fd);
    struct stat st {};
    if (::fstat(fd, &st) < 0) return Error::FromErrno("stat " + piece.file, errno);
    if (!S_ISREG(st.st_mode)) return Error::Invalid(piece.file + " is not a regular file");
    total += static_cast<uint64_t>(st.st_size);
  }

  asio::io_context ioc;
  auto sock = TRY(Connect(ioc, conn.socket_path()));
  std::string head = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\n";
  head += "Host: unix.socket\r\nUser-Agent: nest/0.1\r\nConnection: close\r\n";
  head += "Content-Length: " + std::to_string(total) + "\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(head), ec);
  if (ec) return Error::Internal(what + ": sending request: " + ec.message());

  uint64_t sent = 0;
  std::string buf(kChunk, '\0');
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i].file.empty()) {
      asio::write(sock, asio::buffer(body[i].data), ec);
      if (ec) break;
      sent += body[i].data.size();
      continue;
    }
    uint64_t from_file = 0;
    for (;;) {
      ssize_t n = ::read(fds[i].get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::FromErrno("reading " + body[i].file, errno);
      if (n == 0) break;
      asio::write(sock, asio::buffer(buf.data(), static_cast<size_t>(n)), ec);
      if (ec) break;
      sent += static_cast<uint64_t>(n);
      from_file += static_cast<uint64_t>(n);
      if (on_progress) on_progress(sent, total);
    }
    if (ec) break;
    (void)from_file;
  }
  // The server may answer (and close) early, e.g. with an error: read its answer
  // whatever happened to the write.
  boost::beast::flat_buffer rbuf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::system::error_code rec;
  http::read(sock, rbuf, parser, rec);
  if (rec) {
    if (ec) return Error::Internal(what + ": sending body: " + ec.message());
    return Error::Internal(what + ": reading response: " + rec.message());
  }
  if (sent != total && parser.get().result_int() < 300) {
    return Error::Internal(what + ": the files changed size while being sent");
  }
  return Connection::DecodeBody(static_cast<int>(parser.get().result_int()), parser.get().body(),
                                what);
}

Status Download(Connection& conn, std::string_view path,
                const std::function<Status(const Headers&)>& on_headers,
                const std::function<Status(std::string_view)>& on_data) {
  std::string what = "GET " + std::string(path);
  asio::io_context ioc;
  auto sock = TRY(Connect(ioc, conn.socket_path()));
  http::request<http::empty_body> req{http::verb::get,
                                      boost::beast::string_view(path.data(), path.size()), 11};
  req.set(http::field::host, "unix.socket");
  req.set(http::field::user_agent, "nest/0.1");
  req.keep_alive(false);
  boost::system::error_code ec;
  http::write(sock, req, ec);
  if (ec) return Error::Internal(what + ": sending request: " + ec.message());

  boost::beast::flat_buffer rbuf;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read_header(sock, rbuf, parser, ec);
  if (ec) return Error::Internal(what + ": reading response: " + ec.message());
  const int status = static_cast<int>(parser.get().result_int());
  const bool ok = status >= 200 && status < 300;
  if (ok) {
    Headers hs;
    for (const auto& f : parser.get()) {
      hs.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    TRY(on_headers(hs));
  }
  std::string error_body;
  std::string chunk(kChunk, '\0');
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    http::read(sock, rbuf, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Error::Internal(what + ": reading response: " + ec.message());
    size_t n = chunk.size() - parser.get().body().size;
    if (ok) {
      TRY(on_data(std::string_view(chunk.data(), n)));
    } else {
      error_body.append(chunk.data(), n);
    }
  }
  if (ok) return base::Ok();
  TRY(Connection::DecodeBody(status, error_body, what));
  return Error(KindForStatus(status), what + ": HTTP " + std::to_string(status));
}

MultipartSplitter::MultipartSplitter(std::string boundary, PartFn on_part, DataFn on_data)
    : delimiter_("\r\n--" + boundary), on_part_(std::move(on_part)), on_data_(std::move(on_data)) {}

Status MultipartSplitter::Feed(std::string_view chunk) {
  pending_.append(chunk);
  for (;;) {
    switch (state_) {
      case State::kEnd:
        pending_.clear();
        return base::Ok();
      case State::kPreamble:
      case State::kData: {
        size_t at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep a tail that may be the start of a delimiter.
          size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
          size_t emit = pending_.size() - keep;
          if (state_ == State::kData && emit > 0) {
            TRY(on_data_(std::string_view(pending_).substr(0, emit)));
          }
          pending_.erase(0, emit);
          return base::Ok();
        }
        if (state_ == State::kData && at > 0) {
          TRY(on_data_(std::string_view(pending_).substr(0, at)));
        }
        pending_.erase(0, at + delimiter_.size());
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        if (pending_.size() < 2) return base::Ok();
        if (pending_.compare(0, 2, "--") == 0) {
          state_ = State::kEnd;
          break;
        }
        size_t end = pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > 64 * 1024) {
            return Error::Invalid("multipart stream: part headers longer than 64 KiB");
          }
          return base::Ok();
        }
        std::string name, filename;
        std::string_view headers = std::string_view(pending_).substr(0, end);
        size_t line_start = 0;
        while (line_start <= headers.size()) {
          size_t eol = headers.find("\r\n", line_start);
          std::string_view line =
              headers.substr(line_start, eol == std::string_view::npos ? std::string_view::npos
                                                                       : eol - line_start);
          size_t colon = line.find(':');
          if (colon != std::string_view::npos &&
              Lower(Trim(line.substr(0, colon))) == "content-disposition") {
            name = core::HeaderParameter(line.substr(colon + 1), "name");
            filename = core::HeaderParameter(line.substr(colon + 1), "filename");
          }
          if (eol == std::string_view::npos) break;
          line_start = eol + 2;
        }
        pending_.erase(0, end + 4);
        TRY(on_part_(name, filename));
        state_ = State::kData;
        break;
      }
    }
  }
}

Status MultipartSplitter::Finish() const {
  if (state_ != State::kEnd)
    return Error::Invalid("multipart stream ends before its closing boundary");
  return base::Ok();
}

}  // namespace nest::client
