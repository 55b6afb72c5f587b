// URLs of remote image servers: http, https and unix (LXD's "unix://" remotes).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace nest::core {

struct Url {
  std::string scheme;       // "http", "https" or "unix"
  std::string host;         // http(s): host name or address (IPv6 without brackets)
  std::string port;         // http(s): explicit or the scheme's default
  bool port_given = false;  // the text named the port
  std::string path;         // http(s): the path and query, "/" at least; unix: the socket path

  // scheme://host[:port] (http/https), unix://path.
  std::string Origin() const;
};

// Parses "http://h[:p][/path]", "https://…" and "unix:///path/to/socket"
// ("unix:" followed by an absolute path too). kInvalid naming the URL for any
// other scheme, a missing host, a bad port or embedded credentials.
base::Result<Url> ParseUrl(std::string_view text);

// `base` (a directory URL, a trailing '/' added when missing) joined with a
// relative path: "http://h/s" + "streams/v1/index.json" → "http://h/s/streams/v1/index.json".
std::string JoinUrl(std::string_view base, std::string_view relative);

// One URL path segment percent-encoded (RFC 3986 unreserved characters kept):
// "debian/12" → "debian%2F12".
std::string PathEscape(std::string_view segment);

}  // namespace nest::core
