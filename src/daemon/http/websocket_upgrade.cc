#include "daemon/http/websocket_upgrade.h"

#include <exception>
#include <utility>

#include "base/log.h"
#include "daemon/http/websocket.h"
#include "daemon/http/websocket_impl.h"

namespace nest::daemon::http {

bool CanAcceptWebSocket(const Request& request) {
  return request.IsWebSocketUpgrade() && !request.Header("Sec-WebSocket-Key").empty();
}

bhttp::response<bhttp::empty_body> WebSocketAccepted(const Request& request) {
  bhttp::response<bhttp::empty_body> up{bhttp::status::switching_protocols, 11};
  up.set(bhttp::field::upgrade, "websocket");
  up.set(bhttp::field::connection, "Upgrade");
  up.set(bhttp::field::sec_websocket_accept,
         WebSocketAcceptKey(request.Header("Sec-WebSocket-Key")));
  return up;
}

bhttp::response<bhttp::string_body> WebSocketRefused(unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> bad{bhttp::status::bad_request, version};
  bad.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  bad.set("Sec-Websocket-Version", "13");
  bad.set("X-Content-Type-Options", "nosniff");
  bad.body() = "Bad Request\n";
  bad.keep_alive(keep_alive);
  bad.prepare_payload();
  return bad;
}

void RunWebSocket(const Response& response, const std::string& path,
                  std::unique_ptr<WireStream> wire, std::string pending) {
  auto impl = std::make_unique<WebSocket::Impl>();
  impl->wire = std::move(wire);
  impl->pending = std::move(pending);
  WebSocket ws(std::move(impl));
  try {
    response.upgrade()(ws);
  } catch (const std::exception& e) {
    base::LogError("websocket handler " + path + " threw: " + e.what());
  }
  ws.Close();
}

}  // namespace nest::daemon::http
