// HTTP(S) GETs for image downloads: Boost.Beast over TCP (http), TLS (https,
// system CAs or one pinned server certificate) or a unix socket,
// with connect and idle timeouts, a body size cap, streaming to a file with
// sha256 on the fly, progress and cancellation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace nest::daemon::download {

struct FetchOptions {
  // https only: when set (PEM), the server must present exactly this
  // certificate (LXD's pinned remote certificate); CAs and names are not
  // consulted. Empty: the system CAs and the host name are verified.
  std::string pinned_certificate;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Longest silence while waiting for the answer or for more of the body.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(15)};
  // Bound on the body (bytes); 0 = none. A larger body is an error.
  int64_t max_bytes = 0;
  // Called as the body arrives: bytes so far, total (-1 when unknown).
  std::function<void(int64_t done, int64_t total)> progress;
  // Polled between reads; true aborts with kConflict "download cancelled".
  std::function<bool()> cancelled;
  int max_redirects = 3;
  // When set, connect to this unix socket instead of the URL's host (the URL
  // gives the request path; LXD's "unix://" remotes): http://unix.socket/1.0.
  std::string unix_socket;
};

struct FetchedFile {
  int64_t bytes = 0;
  std::string sha256;  // lowercase hex of the body
  std::string content_type;
};

struct FetchedText {
  int status = 0;
  std::string body;
  std::string content_type;
};

// GET `url`; the body goes to `out_path` (created, mode 0600; must not exist).
// Errors, each naming the URL:
//   kUnavailable  unreachable (resolve/connect failure or timeout), no answer
//                 or a stalled body within idle_timeout, the connection closed
//                 before the body ended ("truncated: got N of M bytes"), TLS
//                 failures (an untrusted or unpinned certificate);
//   kNotFound     HTTP 404; kUnavailable other non-2xx statuses;
//   kInvalid      a body larger than max_bytes, a bad URL or redirect;
//   kConflict     cancelled; kInternal local file errors.
// On error `out_path` may exist partially: the caller owns its removal.
base::Result<FetchedFile> FetchToFile(const std::string& url, const std::string& out_path,
                                      const FetchOptions& options);

// GET `url` with the body in memory (max_bytes applies; 0 means 64 MiB). Any
// status is returned (the caller reads LXD error envelopes); transport errors
// as FetchToFile.
base::Result<FetchedText> FetchToString(const std::string& url, const FetchOptions& options);

}  // namespace nest::daemon::download
