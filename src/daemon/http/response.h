// Response: what a handler returns. HTTP status codes of the API live only here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::daemon::http {

class WebSocket;

// One piece of a streamed body: bytes in memory, or a whole open file.
struct BodyPiece {
  std::string data;                      // used when `file` is null
  std::shared_ptr<base::UniqueFd> file;  // read from offset 0, `size` bytes
  uint64_t size = 0;

  static BodyPiece Bytes(std::string data);
  // Opens `path` read-only; kNotFound if absent, kInternal for other errors.
  static base::Result<BodyPiece> File(const std::string& path);
};

class Response {
 public:
  using UpgradeFn = std::function<void(WebSocket&)>;

  // 200 {"type":"sync","status":"Success","status_code":200,...,"metadata":metadata}.
  // `etag` non-empty → header ETag: "<etag>" (quoted, as LXD).
  static Response Sync(nlohmann::json metadata, std::string etag = "");
  // 200 sync with "metadata":{} (LXD's EmptySyncResponse).
  static Response EmptySync();
  // 202 {"type":"async","status":"Operation created","status_code":100,
  //      "operation":op_url,...,"metadata":operation_json}, header Location: op_url.
  static Response Async(nlohmann::json operation_json, std::string op_url);
  // Error envelope; ErrorKind → HTTP: kInvalid 400, kNotFound 404, kConflict 409,
  // kPrecondition 412, kForbidden 403, kUnavailable 503, kInternal 500.
  static Response Error(const base::Error& error);
  // Error envelope with an explicit HTTP status.
  static Response ErrorStatus(int http_status, std::string message);
  // Any body (file GETs). For HEAD requests the server sends only the headers
  // (Content-Length still that of `body`).
  static Response Raw(std::string body, std::string content_type,
                      std::map<std::string, std::string> headers = {}, int http_status = 200);
  // A body sent from `pieces` in order, never whole in memory (image export).
  // Content-Length is the pieces' total; HEAD sends only the headers.
  static Response Stream(std::vector<BodyPiece> pieces, std::string content_type,
                         std::map<std::string, std::string> headers = {});
  // The server completes the websocket handshake on this connection and calls `fn`
  // on the connection's thread; the connection closes when `fn` returns, so `fn`
  // must not return while other threads still use the WebSocket.
  // If the request is not a websocket upgrade, the client gets 400 "Bad Request"
  // (text/plain), as LXD does.
  static Response Upgrade(UpgradeFn fn);

  // Adds or replaces a header.
  Response& SetHeader(std::string name, std::string value);

  int status() const { return status_; }
  const std::string& body() const { return body_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  bool is_stream() const { return stream_; }
  const std::vector<BodyPiece>& pieces() const { return pieces_; }
  uint64_t StreamLength() const;
  bool is_upgrade() const { return static_cast<bool>(upgrade_); }
  const UpgradeFn& upgrade() const { return upgrade_; }
  // The parsed body for JSON responses (tests); null for Raw/Upgrade.
  nlohmann::json Json() const;

  // The HTTP status for an error kind.
  static int StatusFor(base::ErrorKind kind);

 private:
  Response() = default;

  int status_ = 200;
  std::string body_;
  std::vector<std::pair<std::string, std::string>> headers_;
  UpgradeFn upgrade_;
  bool stream_ = false;
  std::vector<BodyPiece> pieces_;
};

}  // namespace nest::daemon::http
