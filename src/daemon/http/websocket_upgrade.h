// Internal to daemon/http: answering a websocket upgrade (Response::Upgrade)
// and running its handler — shared by the unix socket and HTTPS servers.
#pragma once

#include <boost/beast/http.hpp>
#include <memory>
#include <string>

#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/http/wire_stream.h"

namespace nest::daemon::http {

namespace bhttp = boost::beast::http;

// True if `request` is a websocket handshake the server can accept.
bool CanAcceptWebSocket(const Request& request);
// 101 Switching Protocols for an accepted handshake (CanAcceptWebSocket).
bhttp::response<bhttp::empty_body> WebSocketAccepted(const Request& request);
// 400 for a plain request to a websocket route, as LXD (gorilla) answers.
bhttp::response<bhttp::string_body> WebSocketRefused(unsigned version, bool keep_alive);

// Runs the upgrade handler of `response` on a WebSocket over `wire`, whose
// first `pending` bytes were already read; closes the websocket afterwards.
// Exceptions from the handler are logged, naming `path`.
void RunWebSocket(const Response& response, const std::string& path,
                  std::unique_ptr<WireStream> wire, std::string pending);

}  // namespace nest::daemon::http
