#include "daemon/https_endpoint.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
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
  tls::Identity id =
      TRY_CTX(tls::LoadOrCreateIdentity(dir + "/server.crt", dir + "/server.key", spec),
              "preparing the server certificate");
  std::string fp = TRY(tls::Fingerprint(id.cert_pem));
  return std::unique_ptr<HttpsEndpoint>(
      new HttpsEndpoint(std::move(id), std::move(fp), router, std::move(trust)));
}

HttpsEndpoint::HttpsEndpoint(tls::Identity identity, std::string fingerprint, http::Router& router,
                             http::TrustFn trust)
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

namespace {

// "ip:port" for every up, non-link-local address of the host (a wildcard
// listener is reachable on each); IPv6 only when `v6`.
std::vector<std::string> HostAddresses(const std::string& port, bool v6) {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    char buf[INET6_ADDRSTRLEN] = "";
    if (i->ifa_addr->sa_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
      out.push_back(std::string(buf) + ":" + port);
    } else if (v6 && i->ifa_addr->sa_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
      ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
      out.push_back("[" + std::string(buf) + "]:" + port);
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

std::vector<std::string> HttpsEndpoint::Addresses() const {
  std::lock_guard lock(mu_);
  if (address_.empty()) return {};
  std::string host, port;
  if (http::ParseHostPort(address_, &host, &port).ok() && !host.empty() && host != "::" &&
      host != "0.0.0.0") {
    return {host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port};
  }
  if (server_->bound_address().empty()) return {};
  return HostAddresses(port, host != "0.0.0.0");
}

}  // namespace nest::daemon
