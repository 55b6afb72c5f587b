// Internal to daemon/http: conversions between Beast messages and Request /
// Response, shared by the unix socket server and the HTTPS server.
#pragma once

#include <boost/beast/http.hpp>

#include "daemon/http/request.h"
#include "daemon/http/response.h"

namespace nest::daemon::http {

namespace bhttp = boost::beast::http;

// Method, path (decoded and raw), query, headers and body; no peer identity.
Request ToRequest(const bhttp::request<bhttp::string_body>& req);

// The HTTP message for `response` (not an upgrade), payload prepared.
bhttp::response<bhttp::string_body> ToBeastResponse(const Response& response, unsigned version,
                                                    bool keep_alive);

}  // namespace nest::daemon::http
