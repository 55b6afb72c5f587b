// TlsServer: the LXD REST API over HTTPS on core.https_address. Same Router as
// the unix socket; each connection's trust comes from its client certificate.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"

namespace nest::daemon::http {

class Router;

struct TlsLimits {
  int handshake_seconds = 10;  // TLS handshake must finish within this
  int idle_seconds = 60;       // wait for the next request's header
  int header_seconds = 30;     // header read, once started
  int untrusted_body_seconds = 30;
  int trusted_body_seconds = 3600;  // image uploads
  int write_seconds = 600;          // whole response (image exports); one websocket frame
  // An upgraded (websocket) connection whose peer acknowledges nothing for
  // this long is dropped (TCP keepalive + TCP_USER_TIMEOUT). Reads have no
  // deadline: `lxc monitor` may listen silently for hours.
  int websocket_dead_peer_seconds = 120;
  uint32_t header_bytes = 64 * 1024;
  uint64_t untrusted_body_bytes = 1 << 20;
  uint64_t trusted_body_bytes = 8ull << 30;
  int max_connections = 128;  // beyond this, new connections are closed at once
};

// True if a client presenting a certificate with this fingerprint is trusted.
// Called for every request (after its header), on the connection's thread, so
// a certificate added or removed takes effect on open connections at once.
using TrustFn = std::function<bool(const std::string& fingerprint)>;

// Thread-safety: Start/Stop from one thread at a time (the daemon serializes
// address changes); connections run on their own threads.
class TlsServer {
 public:
  TlsServer(Router& router, TrustFn trust, TlsLimits limits = {});
  ~TlsServer();  // Stop()
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Binds `address` ("host:port", "[v6]:port", ":port" = every address) and
  // starts accepting with `cert_pem`/`key_pem` as the server identity.
  // Errors: kInvalid for an address that does not parse or resolve, naming it;
  // kConflict "address already in use" (naming it) when the port is taken;
  // kInternal for other socket or TLS setup failures.
  base::Status Start(const std::string& address, const std::string& cert_pem,
                     const std::string& key_pem);
  // Closes the listener, shuts every connection down and waits for their
  // threads. Idempotent; Start may be called again afterwards.
  void Stop();
  // "ip:port" actually bound; "" when stopped.
  std::string bound_address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" / "[v6]:port" / ":port" / "host" (port 8443, as LXD).
// Errors: kInvalid naming the value.
base::Status ParseHostPort(const std::string& address, std::string* host, std::string* port);

}  // namespace nest::daemon::http
