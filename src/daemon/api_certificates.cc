// /1.0/certificates: the trust store of HTTPS clients (LXD's certificates API).
//   GET    /1.0/certificates[?recursion=1]
//   POST   /1.0/certificates  trusted: add a certificate, or {"token":true} → a
//          token operation; untrusted (public route): {"trust_token"|"password":
//          TOKEN} adds the certificate the client presented.
//   GET|DELETE /1.0/certificates/<fingerprint or unique prefix>
#include "core/api/certificate.h"
#include "core/api/json.h"
#include "core/server_config.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/https_endpoint.h"
#include "daemon/routes.h"
#include "daemon/trust_tokens.h"
#include "tls/certificate.h"

namespace nest::daemon {
namespace {

using base::Error;
using base::ErrorKind;
using http::Request;
using http::Response;

std::string CertificateUrl(const std::string& fp) { return "/1.0/certificates/" + fp; }

nlohmann::json CertificateJson(const db::CertificateRecord& r) {
  core::api::Certificate c;
  c.name = r.name;
  c.type = r.type;
  c.restricted = r.restricted;
  c.certificate = r.certificate;
  c.fingerprint = r.fingerprint;
  return c;
}

base::Result<db::CertificateRecord> Find(Context& ctx, const std::string& prefix) {
  if (prefix.empty()) return Error::NotFound("certificate not found");
  auto all = TRY(ctx.db->ListCertificates());
  const db::CertificateRecord* found = nullptr;
  for (const auto& c : all) {
    if (c.fingerprint.compare(0, prefix.size(), prefix) != 0) continue;
    if (found != nullptr) return Error::Invalid("more than one certificate matches " + prefix);
    found = &c;
  }
  if (found == nullptr) return Error::NotFound("certificate " + prefix + " not found");
  return *found;
}

Response Add(Context& ctx, const std::string& pem_or_der, std::string name) {
  auto pem = tls::NormalizeCertificate(pem_or_der);
  if (!pem) return Response::Error(pem.error());
  auto fp = tls::Fingerprint(*pem);
  if (!fp) return Response::Error(fp.error());
  if (*fp == ctx.https->fingerprint()) {
    return Response::Error(Error::Invalid("that is this server's own certificate"));
  }
  db::CertificateRecord rec;
  rec.fingerprint = *fp;
  rec.name = name.empty() ? fp->substr(0, 12) : std::move(name);
  rec.certificate = *pem;
  if (auto s = ctx.db->CreateCertificate(rec); !s) return Response::Error(s.error());
  ctx.events->PublishLifecycle("certificate-created", CertificateUrl(*fp));
  return Response::EmptySync().SetHeader("Location", CertificateUrl(*fp));
}

Response Post(Context& ctx, Request& req) {
  auto body = http::ParseJsonBody(req);
  if (!body) return Response::Error(body.error());
  auto post = core::api::FromJson<core::api::CertificatesPost>(*body, "certificate request");
  if (!post) return Response::Error(post.error());
  if (!post->type.empty() && post->type != "client") {
    return Response::Error(Error::Invalid("unsupported certificate type \"" + post->type +
                                          "\" (nest supports \"client\")"));
  }
  if (!req.trusted) {
    // Untrusted HTTPS client: only a valid token admits it, and only the
    // certificate it presented on this connection.
    std::string presented = !post->trust_token.empty() ? post->trust_token : post->password;
    if (req.client_certificate.empty()) {
      return Response::Error(Error(ErrorKind::kForbidden, "no client certificate presented"));
    }
    if (presented.empty()) {
      return Response::Error(Error(ErrorKind::kForbidden,
                                   "not authorized: a trust token is required (nest config "
                                   "trust add on the server prints one)"));
    }
    auto name = ctx.tokens->Consume(presented);
    if (!name) return Response::Error(name.error());
    return Add(ctx, req.client_certificate, post->name.empty() ? *name : post->name);
  }
  if (post->token) {
    if (post->name.empty()) return Response::Error(Error::Invalid("a token needs a client name"));
    auto config = ctx.db->GetConfig();
    if (!config) return Response::Error(config.error());
    int64_t expiry = 0;
    if (auto it = config->find("core.remote_token_expiry");
        it != config->end() && !it->second.empty()) {
      auto seconds = core::ParseExpirySeconds(it->second);
      if (!seconds) return Response::Error(seconds.error());
      expiry = *seconds;
    }
    auto created =
        ctx.tokens->Create(post->name, ctx.https->fingerprint(), ctx.https->Addresses(), expiry);
    return ops::AsyncResponse(*created.operation);
  }
  std::string cert = !post->certificate.empty() ? post->certificate : req.client_certificate;
  if (cert.empty()) {
    return Response::Error(Error::Invalid("no certificate given (and none presented)"));
  }
  return Add(ctx, cert, post->name);
}

Response List(Context& ctx, Request& req) {
  auto all = ctx.db->ListCertificates();
  if (!all) return Response::Error(all.error());
  bool full = req.Query("recursion", "0") != "0";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : *all) {
    out.push_back(full ? CertificateJson(c) : nlohmann::json(CertificateUrl(c.fingerprint)));
  }
  return Response::Sync(out);
}

Response Get(Context& ctx, Request& req) {
  auto c = Find(ctx, req.params["fingerprint"]);
  if (!c) return Response::Error(c.error());
  return Response::Sync(CertificateJson(*c));
}

Response Delete(Context& ctx, Request& req) {
  auto c = Find(ctx, req.params["fingerprint"]);
  if (!c) return Response::Error(c.error());
  if (auto s = ctx.db->DeleteCertificate(c->fingerprint); !s) return Response::Error(s.error());
  ctx.events->PublishLifecycle("certificate-deleted", CertificateUrl(c->fingerprint));
  return Response::EmptySync();
}

}  // namespace

void RegisterCertificateRoutes(http::Router& router, Context& ctx) {
  router.Add("GET", "/1.0/certificates", [&ctx](Request& r) { return List(ctx, r); });
  router.Add(
      "POST", "/1.0/certificates", [&ctx](Request& r) { return Post(ctx, r); },
      http::Access::kPublic);
  router.Add("GET", "/1.0/certificates/{fingerprint}", [&ctx](Request& r) { return Get(ctx, r); });
  router.Add("DELETE", "/1.0/certificates/{fingerprint}",
             [&ctx](Request& r) { return Delete(ctx, r); });
}

}  // namespace nest::daemon
