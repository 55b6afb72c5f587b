#include "daemon/http/response.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include <cerrno>

namespace nest::daemon::http {

namespace {

constexpr char kJsonType[] = "application/json";

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The envelope in LXD's field order (nlohmann::json would sort the keys).
std::string Envelope(std::string_view type, std::string_view status, int status_code,
                     std::string_view operation, int error_code, std::string_view error,
                     const nlohmann::json& metadata) {
  std::string out = "{\"type\":" + Dump(type) + ",\"status\":" + Dump(status) +
                    ",\"status_code\":" + std::to_string(status_code) +
                    ",\"operation\":" + Dump(operation) +
                    ",\"error_code\":" + std::to_string(error_code) + ",\"error\":" + Dump(error) +
                    ",\"metadata\":" + Dump(metadata) + "}";
  return out;
}

}  // namespace

Response Response::Sync(nlohmann::json metadata, std::string etag) {
  Response r;
  r.status_ = 200;
  r.body_ = Envelope("sync", "Success", 200, "", 0, "", metadata);
  r.headers_.emplace_back("Content-Type", kJsonType);
  if (!etag.empty()) r.headers_.emplace_back("ETag", "\"" + etag + "\"");
  return r;
}

Response Response::EmptySync() { return Sync(nlohmann::json::object()); }

Response Response::Async(nlohmann::json operation_json, std::string op_url) {
  Response r;
  r.status_ = 202;
  r.body_ = Envelope("async", "Operation created", 100, op_url, 0, "", operation_json);
  r.headers_.emplace_back("Content-Type", kJsonType);
  r.headers_.emplace_back("Location", std::move(op_url));
  return r;
}

int Response::StatusFor(base::ErrorKind kind) {
  switch (kind) {
    case base::ErrorKind::kInvalid:
      return 400;
    case base::ErrorKind::kNotFound:
      return 404;
    case base::ErrorKind::kConflict:
      return 409;
    case base::ErrorKind::kPrecondition:
      return 412;
    case base::ErrorKind::kForbidden:
      return 403;
    case base::ErrorKind::kUnavailable:
      return 503;
    case base::ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

Response Response::Error(const base::Error& error) {
  return ErrorStatus(StatusFor(error.kind()), error.message());
}

Response Response::ErrorStatus(int http_status, std::string message) {
  Response r;
  r.status_ = http_status;
  r.body_ = Envelope("error", "", 0, "", http_status, message, nullptr);
  r.headers_.emplace_back("Content-Type", kJsonType);
  r.headers_.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

Response Response::Raw(std::string body, std::string content_type,
                       std::map<std::string, std::string> headers, int http_status) {
  Response r;
  r.status_ = http_status;
  r.body_ = std::move(body);
  if (!content_type.empty()) r.headers_.emplace_back("Content-Type", std::move(content_type));
  for (auto& [k, v] : headers) r.SetHeader(k, v);
  return r;
}

BodyPiece BodyPiece::Bytes(std::string data) {
  BodyPiece p;
  p.size = data.size();
  p.data = std::move(data);
  return p;
}

base::Result<BodyPiece> BodyPiece::File(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return base::Error::NotFound("opening " + path + ": no such file");
    return base::Error::FromErrno("opening " + path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return base::Error::FromErrno("stat " + path, errno);
  BodyPiece p;
  p.size = static_cast<uint64_t>(st.st_size);
  p.file = std::make_shared<base::UniqueFd>(std::move(fd));
  return p;
}

Response Response::Stream(std::vector<BodyPiece> pieces, std::string content_type,
                          std::map<std::string, std::string> headers) {
  Response r;
  r.stream_ = true;
  r.pieces_ = std::move(pieces);
  if (!content_type.empty()) r.headers_.emplace_back("Content-Type", std::move(content_type));
  for (auto& [k, v] : headers) r.SetHeader(k, v);
  return r;
}

uint64_t Response::StreamLength() const {
  uint64_t n = 0;
  for (const auto& p : pieces_) n += p.size;
  return n;
}

Response Response::Upgrade(UpgradeFn fn) {
  Response r;
  r.status_ = 101;
  r.upgrade_ = std::move(fn);
  return r;
}

Response& Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers_) {
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) {
      v = std::move(value);
      return *this;
    }
  }
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}

nlohmann::json Response::Json() const {
  if (is_upgrade()) return nullptr;
  return nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
}

}  // namespace nest::daemon::http
