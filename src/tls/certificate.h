// X.509 certificates as nest uses them: self-signed EC P-384 identities for
// nestd (server.crt) and the nest client (client.crt), and their fingerprints
// (sha256 of the DER, lowercase hex, as LXD).
#pragma once

#include <openssl/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::tls {

struct Identity {
  std::string cert_pem;
  std::string key_pem;
};

struct IdentitySpec {
  std::string organization = "nest";
  std::string common_name;             // "root@host"
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::vector<std::string> ips;        // subjectAltName IP entries ("127.0.0.1", "::1")
  int days = 3650;
  bool client = false;  // extendedKeyUsage clientAuth instead of serverAuth
};

// A fresh EC P-384 key and a self-signed certificate for it.
// Errors: kInternal naming the OpenSSL step that failed.
base::Result<Identity> GenerateIdentity(const IdentitySpec& spec);

// Reads `cert_path` + `key_path` when both exist (and checks that the key
// matches the certificate); otherwise generates an identity and writes both,
// the key 0600, the certificate 0644, each atomically (temp file + rename).
// Errors: kInternal naming the file and the cause.
base::Result<Identity> LoadOrCreateIdentity(const std::string& cert_path,
                                            const std::string& key_path, const IdentitySpec& spec);

// Fingerprint of the first certificate in `pem`. Errors: kInvalid when `pem`
// holds no parseable certificate.
base::Result<std::string> Fingerprint(std::string_view pem);
// The DER encoding of cert ("" when it cannot be encoded).
std::string DerOf(X509* cert);
// Fingerprint of DER bytes (no parsing).
std::string FingerprintDer(std::string_view der);

// A certificate given by a user or a client — PEM, or base64 of the DER as lxc
// sends it in POST /1.0/certificates — as PEM. Errors: kInvalid "invalid
// certificate: ..." for anything that does not parse as one X.509 certificate.
base::Result<std::string> NormalizeCertificate(std::string_view text);

// PEM of DER bytes. Errors: kInvalid when `der` is not a certificate.
base::Result<std::string> PemFromDer(std::string_view der);

}  // namespace nest::tls
