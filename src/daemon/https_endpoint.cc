#include "daemon/https_endpoint.h"

#include <unistd.h>

#include "base/log.h"

namespace nest::daemon {

base::Result<std::unique_ptr<HttpsEndpoint>> HttpsEndpoint::Create(const std::string& dir,
                                                                   http::Router& router,
                                                                   http::TrustFn trust) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  tls::IdentitySpec spec;
  spec.common_name = std::string("root@") + host;
  spec.dns_names = {host};
  spec.ips = {"127.0.0.1", "::1"};
  tls::Identity id = TRY_CTX(
      tls::LoadOrCreateIdentity(dir + "/server.crt", dir + "/server.key", spec),
      "preparing the server certificate");
  std::string fp = TRY(tls::Fingerprint(id.cert_pem));
  return std::unique_ptr<HttpsEndpoint>(
      new HttpsEndpoint(std::move(id), std::move(fp), router, std::move(trust)));
}

HttpsEndpoint::HttpsEndpoint(tls::Identity identity, std::string fingerprint,
                             http::Router& router, http::TrustFn trust)
    : identity_(std::move(identity)),
      fingerprint_(std::move(fingerprint)),
      server_(std::make_unique<http::TlsServer>(router, std::move(trust))) {}

HttpsEndpoint::~HttpsEndpoint() { server_->Stop(); }

base::Status HttpsEndpoint::Apply(const std::string& address) {
  std::lock_guard lock(mu_);
  if (address == address_) return base::Ok();
  std::string host, port;
  if (!address.empty()) TRY_CTX(http::ParseHostPort(address, &host, &port), "core.https_address");
  server_->Stop();
  if (address.empty()) {
    base::LogInfo("HTTPS listener closed");
    address_.clear();
    return base::Ok();
  }
  auto started = server_->Start(address, identity_.cert_pem, identity_.key_pem);
  if (!started.ok()) {
    if (!address_.empty()) {
      if (auto back = server_->Start(address_, identity_.cert_pem, identity_.key_pem); !back) {
        base::LogError("restoring HTTPS on " + address_ + ": " + back.error().message());
        address_.clear();
      }
    }
    return std::move(started).error().Context("core.https_address");
  }
  address_ = address;
  return base::Ok();
}

std::vector<std::string> HttpsEndpoint::Addresses() const {
  std::lock_guard lock(mu_);
  if (address_.empty()) return {};
  std::string host, port;
  if (http::ParseHostPort(address_, &host, &port).ok() && !host.empty() && host != "::" &&
      host != "0.0.0.0") {
    return {host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port};
  }
  std::string bound = server_->bound_address();
  if (bound.empty()) return {};
  return {bound};
}

}  // namespace nest::daemon
