// Connection: synchronous HTTP requests to nestd's LXD 1.0 REST API over its unix socket.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "client/https.h"

namespace nest::client {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The decoded LXD envelope of one response.
struct Response {
  int http_status = 0;
  bool async = false;       // "type":"async": metadata is an Operation
  nlohmann::json metadata;  // the envelope's metadata (payload or Operation)
  std::string etag;         // the ETag header, quotes included, if any
  std::string operation;    // the envelope's "operation" URL, if any
};

// A request sent on a connection of its own, its response read later (see
// Connection::Send). Move-only.
class PendingRequest {
 public:
  struct Impl;
  explicit PendingRequest(std::unique_ptr<Impl> impl);
  PendingRequest(PendingRequest&&) noexcept;
  PendingRequest& operator=(PendingRequest&&) noexcept;
  ~PendingRequest();

  // The connection's descriptor: readable once the response starts to arrive.
  int fd() const;
  // Reads the whole response (blocking) and decodes it, with the errors of
  // Connection::Do. Call once.
  base::Result<Response> Receive();

 private:
  friend class Connection;
  std::unique_ptr<Impl> impl_;
};

// The socket path nestd listens on: $NEST_SOCKET, else $NEST_DIR/unix.socket,
// else /var/lib/nest/unix.socket.
std::string DefaultSocketPath();

// One request per call, each on a fresh connection (nestd is local; connecting is
// cheap and avoids stale keep-alive handling), but for a request sent with Then
// right after an answer. Not thread-safe per instance; use one Connection per
// thread.
//
// Errors:
//   kUnavailable  the socket cannot be reached; the message says how to fix it.
//   from the server's error envelope: error_code 400 → kInvalid, 403 → kForbidden,
//   404 → kNotFound, 409 → kConflict, 412 → kPrecondition, anything else →
//   kInternal; the message is the server's "error" text.
//   kInternal     the response is not an LXD JSON envelope.
class Connection {
 public:
  explicit Connection(std::string socket_path = DefaultSocketPath())
      : socket_path_(std::move(socket_path)) {}

  // A connection to a remote server over HTTPS (see client/https.h); errors as
  // above, plus kForbidden when the server certificate is not the pinned one.
  static Connection Remote(HttpsRemote remote) {
    Connection c("");
    c.remote_ = std::move(remote);
    c.has_remote_ = true;
    return c;
  }

  const std::string& socket_path() const { return socket_path_; }

  // Sends `method path` with `body` (omitted when null) and returns the envelope.
  base::Result<Response> Do(std::string_view method, std::string_view path,
                            const nlohmann::json& body = nullptr, const Headers& headers = {});

  // The first half of Do, over the unix socket only: connects and sends the
  // request; the caller reads the response when it likes (e.g. when fd()
  // polls readable). Errors: kUnavailable, or kInternal when sending fails.
  // `keep_open` asks nestd to keep the connection for a next request (Then).
  base::Result<PendingRequest> Send(std::string_view method, std::string_view path,
                                    const nlohmann::json& body = nullptr,
                                    const Headers& headers = {}, bool keep_open = false);

  // Send, on the connection of `answered` (Sent with keep_open, its response
  // received) when nestd kept it open, else on a new one. Saves a connection's
  // set-up on both sides (an accept, a worker's wake-up) for a request that
  // follows another at once, as an exec's wait follows its POST.
  base::Result<PendingRequest> Then(PendingRequest answered, std::string_view method,
                                    std::string_view path);

  // Return the envelope's metadata: the payload of a sync response, the Operation
  // of an async one. Get stores the ETag in *etag when given.
  base::Result<nlohmann::json> Get(std::string_view path, std::string* etag = nullptr);
  base::Result<nlohmann::json> Post(std::string_view path, const nlohmann::json& body,
                                    const Headers& headers = {});
  base::Result<nlohmann::json> Put(std::string_view path, const nlohmann::json& body,
                                   const Headers& headers = {});
  base::Result<nlohmann::json> Patch(std::string_view path, const nlohmann::json& body,
                                     const Headers& headers = {});
  base::Result<nlohmann::json> Delete(std::string_view path, const Headers& headers = {});

  // Decodes a response body received outside Do (streamed transfers, see
  // client/transfer.h) with the same errors as Do; `what` ("POST /1.0/images")
  // prefixes protocol errors.
  static base::Result<Response> DecodeBody(int http_status, std::string_view body,
                                           std::string_view what);

 private:
  static base::Result<Response> Decode(const nlohmann::json& envelope, Response partial);
  // Sends the request on the connected `sock`.
  static base::Result<PendingRequest> SendOn(base::UniqueFd sock, std::string_view method,
                                             std::string_view path, const nlohmann::json& body,
                                             const Headers& headers, bool keep_open);

  std::string socket_path_;
  bool has_remote_ = false;
  HttpsRemote remote_;
};

// The message for a socket that cannot be reached (exposed for tests).
std::string UnreachableMessage(const std::string& socket_path, int sys_errno);

// Maps an LXD error_code (an HTTP status) to an error kind.
base::ErrorKind KindForStatus(int code);

}  // namespace nest::client
