// Trust store API types (LXD shared/api/certificate.go) and the one-time
// certificate add token (LXD's CertificateAddToken, base64 of its JSON).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace nest::core::api {

// PUT /1.0/certificates/<fp>.
struct CertificatePut {
  std::string name;
  std::string type = "client";
  bool restricted = false;
  std::vector<std::string> projects;
  std::string certificate;  // PEM
};

// GET /1.0/certificates/<fp>.
struct Certificate : CertificatePut {
  std::string fingerprint;  // sha256 of the DER, lowercase hex
};

// POST /1.0/certificates. `certificate` is base64 DER (what lxc sends) or PEM;
// empty means "the certificate this client presented". A trusted client asks for
// a join token with `token`; an untrusted one proves itself with `trust_token`
// or, as LXD 5.0 clients send it, `password` (a whole token or its secret).
struct CertificatesPost : CertificatePut {
  std::string password;
  std::string trust_token;
  bool token = false;
};

// The decoded form of `lxc config trust add`'s token.
struct CertificateAddToken {
  std::string client_name;
  std::string fingerprint;             // of the server's certificate
  std::vector<std::string> addresses;  // host:port the client may try
  std::string secret;
  std::string expires_at = "0001-01-01T00:00:00Z";  // Go's zero time: never
};

void to_json(nlohmann::json& j, const CertificatePut& v);
void from_json(const nlohmann::json& j, CertificatePut& v);
void to_json(nlohmann::json& j, const Certificate& v);
void from_json(const nlohmann::json& j, Certificate& v);
void from_json(const nlohmann::json& j, CertificatesPost& v);
void to_json(nlohmann::json& j, const CertificateAddToken& v);
void from_json(const nlohmann::json& j, CertificateAddToken& v);

// base64(JSON), as LXD's CertificateAddToken.String().
std::string EncodeToken(const CertificateAddToken& token);
// Errors: kInvalid "invalid token: ..." when `text` is not base64 of a JSON
// object, or lacks a secret or a fingerprint.
base::Result<CertificateAddToken> DecodeToken(std::string_view text);

}  // namespace nest::core::api
