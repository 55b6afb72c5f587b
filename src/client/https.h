// HTTPS to a remote nestd (or LXD): the client's own certificate, the remote's
// pinned certificate, and the trust handshakes `nest remote add` builds on.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "tls/certificate.h"

namespace nest::client {

// The nest client's configuration directory: $NEST_CONF_DIR, else
// $XDG_CONFIG_HOME/nest, else ~/.config/nest.
std::string ConfigDir();

// client.crt/client.key in `dir` (created 0700 if missing), generated on
// first use (EC P-384, CN user@host, ten years; key 0600).
base::Result<tls::Identity> LoadOrCreateClientIdentity(const std::string& dir = ConfigDir());

// A remote server over HTTPS.
struct HttpsRemote {
  std::string url;                 // "https://host:port" (a bare host:port is accepted)
  std::string server_certificate;  // PEM pinned for this remote; "" = not pinned
  tls::Identity client;            // presented to the server; empty = none
  int timeout_seconds = 30;        // connect + handshake + each request
};

// The certificate the server at `url` presents (no verification: it is shown
// to the user or compared with a token's fingerprint before being pinned).
// Errors: kUnavailable "cannot reach <url>: …" within remote.timeout_seconds.
base::Result<std::string> FetchServerCertificate(const std::string& url, int timeout_seconds = 10);

struct HttpResult {
  int status = 0;
  std::string body;
  std::string etag;
};

// One request. The server's certificate must be the pinned one (compared by
// fingerprint); a mismatch is kForbidden "server certificate of <url> changed:
// fingerprint X, pinned Y". Errors: kInvalid for a malformed url; kUnavailable
// when the server cannot be reached or does not answer in time.
base::Result<HttpResult> HttpsRequest(
    const HttpsRemote& remote, const std::string& method, const std::string& path,
    const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers = {});

// `nest remote add NAME TOKEN`: tries each address of the token until one
// answers with the certificate whose fingerprint the token names, then sends
// the token with the client certificate (POST /1.0/certificates) and checks
// that the server now trusts it. Returns the remote (url + pinned certificate).
// Errors: kInvalid bad token; kForbidden token refused (used, expired, revoked)
// or fingerprint mismatch; kUnavailable no address reachable.
base::Result<HttpsRemote> AddRemoteWithToken(const std::string& token, const tls::Identity& client);

// `nest remote add NAME URL --accept-certificate [--token T]`: pins what the
// server presents; with a token also makes the server trust the client.
base::Result<HttpsRemote> AddRemoteAcceptingCertificate(const std::string& url,
                                                        const tls::Identity& client,
                                                        const std::string& token = "");

}  // namespace nest::client
