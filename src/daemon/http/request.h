// Request: one parsed HTTP request as handlers see it. No Beast types here.
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace nest::daemon::http {

struct Request {
  std::string method;    // "GET", "POST", ... as sent
  std::string path;      // decoded path without the query: "/1.0/instances/c1"
  std::string raw_path;  // the path as sent (percent-encoded); "" → use `path`
  std::map<std::string, std::string> query;  // url-decoded; a repeated key keeps the last
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  // For routes that spool their body (Router::SpoolBody): the temporary file
  // holding it, and `body` is empty. The server removes the file when the
  // request ends; a handler that keeps it (renames it) clears this field.
  std::string body_file;
  std::map<std::string, std::string> params;  // from the route pattern {name}, url-decoded

  // SO_PEERCRED of the unix socket peer; -1 when unknown.
  pid_t peer_pid = -1;
  uid_t peer_uid = static_cast<uid_t>(-1);
  gid_t peer_gid = static_cast<gid_t>(-1);

  // Trust (see Router's Access): true over the unix socket; over HTTPS, true
  // iff the client presented a certificate in the trust store.
  bool trusted = true;
  bool https = false;              // arrived over the HTTPS listener
  std::string client_certificate;  // PEM the HTTPS client presented; "" if none
  std::string client_fingerprint;  // its sha256 fingerprint
  std::string remote_address;      // "ip:port" of an HTTPS client

  // The value of header `name` (case-insensitive); "" if absent.
  std::string Header(std::string_view name) const;
  // The value of query key `key`; `fallback` if absent.
  std::string Query(const std::string& key, std::string fallback = "") const;
  // True when the client asked for a websocket upgrade.
  bool IsWebSocketUpgrade() const;
};

// Parses the body as JSON. An empty or malformed body → kInvalid with the parser's
// message ("unexpected EOF" for a truncated body, as LXD says).
base::Result<nlohmann::json> ParseJsonBody(const Request& request);

// Percent-decoding; '+' is kept as is in paths, decoded to ' ' when `plus_is_space`.
std::string UrlDecode(std::string_view s, bool plus_is_space = false);
// Percent-encoding of one path segment or query value.
std::string UrlEncode(std::string_view s);

}  // namespace nest::daemon::http
