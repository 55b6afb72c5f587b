#include "daemon/http/beast_glue.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.h"
#include "base/strings.h"

namespace nest::daemon::http {

Request ToRequest(const bhttp::request_header<>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  r.raw_path = std::string(raw_path);
  r.path = UrlDecode(raw_path);
  if (q != std::string_view::npos) {
    for (const auto& kv : base::Split(target.substr(q + 1), '&')) {
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      std::string key = UrlDecode(kv.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : UrlDecode(kv.substr(eq + 1), true);
      r.query[key] = value;
    }
  }
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return r;
}

bhttp::response<bhttp::string_body> ToBeastResponse(const Response& response, unsigned version,
                                                    bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status()), version};
  for (const auto& [k, v] : response.headers()) res.set(k, v);
  res.body() = response.body();
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

BodySpool::~BodySpool() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

base::Status BodySpool::Open(const std::string& dir, bhttp::file_body::value_type& body) {
  std::string tmpl = dir + "/.tmp-body-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0)
    return base::Error::FromErrno("creating a file for the request body in " + dir, errno);
  path_ = tmpl;
  boost::beast::file_posix file;
  file.native_handle(fd);
  boost::beast::error_code ec;
  body.reset(std::move(file), ec);
  if (ec) return base::Error::Internal("opening " + path_ + ": " + ec.message());
  return base::Ok();
}

bhttp::response<bhttp::empty_body> ToBeastStreamHeader(const Response& response, unsigned version,
                                                       bool keep_alive) {
  bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(response.status()), version};
  for (const auto& [k, v] : response.headers()) res.set(k, v);
  res.keep_alive(keep_alive);
  res.content_length(response.StreamLength());
  return res;
}

bool WriteStreamBody(const Response& response, const std::function<bool(std::string_view)>& write) {
  constexpr size_t kChunk = 256 << 10;
  std::vector<char> buf;
  for (const BodyPiece& piece : response.pieces()) {
    if (!piece.file) {
      if (!piece.data.empty() && !write(piece.data)) return false;
      continue;
    }
    if (buf.empty()) buf.resize(kChunk);
    uint64_t off = 0;
    while (off < piece.size) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, piece.size - off));
      ssize_t n = ::pread(piece.file->get(), buf.data(), want, static_cast<off_t>(off));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        base::LogError("streaming a response body: " +
                       std::string(n < 0 ? std::strerror(errno) : "file shrank"));
        return false;
      }
      if (!write(std::string_view(buf.data(), static_cast<size_t>(n)))) return false;
      off += static_cast<uint64_t>(n);
    }
  }
  return true;
}

}  // namespace nest::daemon::http
