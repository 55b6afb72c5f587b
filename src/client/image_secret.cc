#include "client/image_secret.h"

#include "client/https.h"
#include "core/url.h"

namespace nest::client {

using nlohmann::json;

namespace {

std::string StringOf(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

bool MayNeedImageSecret(const Remote& remote) {
  return remote.protocol == "lxd" && !remote.is_public && remote.address.rfind("https:", 0) == 0;
}

base::Result<Connection> ConnectRemote(const Remote& remote) {
  tls::Identity me =
      TRY_CTX(LoadOrCreateClientIdentity(), "the client certificate for remote " + remote.name);
  HttpsRemote https;
  https.url = remote.address;
  https.server_certificate = remote.certificate;
  https.client = std::move(me);
  return Connection::Remote(std::move(https));
}

base::Result<std::optional<ImageSecret>> RequestImageSecret(Connection& source,
                                                            const json& image_source) {
  std::string fingerprint = StringOf(image_source, "fingerprint");
  if (std::string alias = StringOf(image_source, "alias"); !alias.empty()) {
    auto entry = source.Get("/1.0/images/aliases/" + core::PathEscape(alias));
    if (!entry || !entry->is_object()) return std::nullopt;
    fingerprint = StringOf(*entry, "target");
  }
  if (fingerprint.empty()) return std::nullopt;
  auto image = source.Get("/1.0/images/" + core::PathEscape(fingerprint));
  if (!image || !image->is_object()) return std::nullopt;
  if (auto pub = image->find("public");
      pub != image->end() && pub->is_boolean() && pub->get<bool>()) {
    return std::nullopt;
  }
  ImageSecret out;
  out.fingerprint = StringOf(*image, "fingerprint");
  if (out.fingerprint.empty()) out.fingerprint = fingerprint;
  std::string what = "asking for a secret for private image " + out.fingerprint.substr(0, 12);
  json op = TRY_CTX(
      source.Post("/1.0/images/" + core::PathEscape(out.fingerprint) + "/secret", json::object()),
      what);
  if (op.is_object() && op["metadata"].is_object()) {
    out.secret = StringOf(op["metadata"], "secret");
    if (std::string id = StringOf(op, "id"); !id.empty()) out.operation = "/1.0/operations/" + id;
  }
  if (out.secret.empty()) {
    return base::Error::Invalid(what + ": the answer carries no secret (" + op.dump() + ")");
  }
  return std::optional<ImageSecret>(std::move(out));
}

json WithImageSecret(json image_source, const ImageSecret& secret) {
  image_source.erase("alias");
  image_source["fingerprint"] = secret.fingerprint;
  image_source["secret"] = secret.secret;
  return image_source;
}

}  // namespace nest::client
