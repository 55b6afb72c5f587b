// HttpsEndpoint: nestd's identity (server.crt/server.key) and its HTTPS
// listener on core.https_address, which can move or close at run time.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "daemon/http/tls_server.h"
#include "tls/certificate.h"

namespace nest::daemon {

// Thread-safety: all methods may be called from any thread; Apply calls are
// serialized by mu_.
class HttpsEndpoint {
 public:
  // Loads $NEST_DIR/server.crt + server.key, or creates them (EC P-384,
  // CN root@<host>, SAN <host>, 127.0.0.1, ::1, ten years; key 0600).
  // Errors: kInternal naming the file.
  static base::Result<std::unique_ptr<HttpsEndpoint>> Create(const std::string& dir,
                                                             http::Router& router,
                                                             http::TrustFn trust);
  ~HttpsEndpoint();

  // Serves on `address`, or stops serving when it is "". Unchanged address: no-op.
  // On failure the previous listener keeps serving and the error (kInvalid bad or
  // unresolvable address, kConflict port in use) names the address.
  base::Status Apply(const std::string& address);

  const std::string& certificate() const { return identity_.cert_pem; }
  const std::string& fingerprint() const { return fingerprint_; }
  // The addresses a client can use: the configured one, or every address of
  // the host when it names none (":8443"); empty when not listening.
  std::vector<std::string> Addresses() const;

 private:
  HttpsEndpoint(tls::Identity identity, std::string fingerprint, http::Router& router,
                http::TrustFn trust);

  // Constant after construction.
  const tls::Identity identity_;
  const std::string fingerprint_;

  mutable std::mutex mu_;
  std::unique_ptr<http::TlsServer> server_;  // protected by mu_
  std::string address_;                      // protected by mu_; "" = off
};

}  // namespace nest::daemon
