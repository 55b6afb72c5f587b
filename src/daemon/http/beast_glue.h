// Internal to daemon/http: conversions between Beast messages and Request /
// Response, shared by the unix socket server and the HTTPS server.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"

namespace nest::daemon::http {

namespace bhttp = boost::beast::http;

// Method, path (decoded and raw), query and headers; no body, no peer identity.
Request ToRequest(const bhttp::request_header<>& req);

// A temporary file ".tmp-body-*" in a directory, receiving one request body
// (Router::SpoolBody). The destructor removes the file unless the handler took
// it (cleared Request::body_file); after a crash ImageStore::CleanTemporary does.
class BodySpool {
 public:
  BodySpool() = default;
  BodySpool(const BodySpool&) = delete;
  BodySpool& operator=(const BodySpool&) = delete;
  ~BodySpool();

  // Creates the file in `dir` and opens `body` on it for writing.
  base::Status Open(const std::string& dir, bhttp::file_body::value_type& body);
  const std::string& path() const { return path_; }
  // The handler kept the file (Request::body_file is now ""): do not remove it.
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// The HTTP message for `response` (not an upgrade), payload prepared.
bhttp::response<bhttp::string_body> ToBeastResponse(const Response& response, unsigned version,
                                                    bool keep_alive);

// The headers of a streamed response (Response::is_stream), Content-Length set.
bhttp::response<bhttp::empty_body> ToBeastStreamHeader(const Response& response, unsigned version,
                                                       bool keep_alive);
// Sends the pieces of a streamed response through `write` in chunks; false if
// a file could not be read or `write` returned false.
bool WriteStreamBody(const Response& response, const std::function<bool(std::string_view)>& write);

}  // namespace nest::daemon::http
