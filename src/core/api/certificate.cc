#include "core/api/certificate.h"

#include "core/api/json.h"
#include "core/base64.h"

namespace nest::core::api {

void to_json(Json& j, const CertificatePut& v) {
  j = Json{{"name", v.name},
           {"type", v.type},
           {"restricted", v.restricted},
           {"projects", v.projects},
           {"certificate", v.certificate}};
}

void from_json(const Json& j, CertificatePut& v) {
  ReadField(j, "name", &v.name);
  ReadField(j, "type", &v.type);
  ReadField(j, "restricted", &v.restricted);
  ReadField(j, "projects", &v.projects);
  ReadField(j, "certificate", &v.certificate);
}

void to_json(Json& j, const Certificate& v) {
  to_json(j, static_cast<const CertificatePut&>(v));
  j["fingerprint"] = v.fingerprint;
}

void from_json(const Json& j, Certificate& v) {
  from_json(j, static_cast<CertificatePut&>(v));
  ReadField(j, "fingerprint", &v.fingerprint);
}

void from_json(const Json& j, CertificatesPost& v) {
  from_json(j, static_cast<CertificatePut&>(v));
  ReadField(j, "password", &v.password);
  ReadField(j, "trust_token", &v.trust_token);
  ReadField(j, "token", &v.token);
}

void to_json(Json& j, const CertificateAddToken& v) {
  j = Json{{"client_name", v.client_name},
           {"fingerprint", v.fingerprint},
           {"addresses", v.addresses},
           {"secret", v.secret},
           {"expires_at", v.expires_at}};
}

void from_json(const Json& j, CertificateAddToken& v) {
  ReadField(j, "client_name", &v.client_name);
  ReadField(j, "fingerprint", &v.fingerprint);
  ReadField(j, "addresses", &v.addresses);
  ReadField(j, "secret", &v.secret);
  ReadField(j, "expires_at", &v.expires_at);
}

std::string EncodeToken(const CertificateAddToken& token) {
  return Base64Encode(Json(token).dump());
}

base::Result<CertificateAddToken> DecodeToken(std::string_view text) {
  auto raw = Base64Decode(text);
  if (!raw) return base::Error::Invalid("invalid token: " + raw.error().message());
  auto json = ParseJsonText(*raw, "token");
  if (!json || !json->is_object()) return base::Error::Invalid("invalid token: not a JSON object");
  auto token = FromJson<CertificateAddToken>(*json, "token");
  if (!token) return base::Error::Invalid(token.error().message());
  if (token->secret.empty()) return base::Error::Invalid("invalid token: no secret");
  if (token->fingerprint.empty()) return base::Error::Invalid("invalid token: no fingerprint");
  return token;
}

}  // namespace nest::core::api
