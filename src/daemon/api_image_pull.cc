// POST /1.0/images with a JSON body whose source is {"type":"image","mode":"pull",
// "server", "protocol", "alias"|"fingerprint", "certificate", "secret"}: `image copy`
// from a remote (lxd-spec §1.2, explicit image). Also reads auto_update,
// public, aliases [{name, description}] and nest's "copy_aliases" (the remote's
// aliases of the image become local ones where the name is free). A "secret"
// (from the remote's POST /1.0/images/<fp>/secret) lets nestd fetch a private
// image from a remote that does not trust it.
#include <memory>

#include "base/strings.h"
#include "core/names.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_download.h"
#include "daemon/routes.h"

namespace nest::daemon {
namespace {

using base::Error;
using nlohmann::json;

struct PullRequest {
  RemoteImageRequest remote;
  PullOptions options;
  std::vector<db::ImageAliasRecord> aliases;
  bool copy_aliases = false;
};

base::Result<std::string> StringField(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Error::Invalid("\"" + where + key + "\" must be a string");
  return it->get<std::string>();
}

base::Result<bool> BoolField(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (!it->is_boolean())
    return Error::Invalid(std::string("\"") + key + "\" must be true or false");
  return it->get<bool>();
}

base::Result<PullRequest> ParsePull(Context& ctx, const json& body) {
  const json& src = body["source"];
  PullRequest p;
  std::string mode = TRY(StringField(src, "mode", "source."));
  if (!mode.empty() && mode != "pull") {
    return Error::Invalid("image copy mode \"" + mode + "\" is not supported (only pull)");
  }
  p.remote.server = TRY(StringField(src, "server", "source."));
  p.remote.protocol = TRY(StringField(src, "protocol", "source."));
  p.remote.alias = TRY(StringField(src, "alias", "source."));
  p.remote.fingerprint = TRY(StringField(src, "fingerprint", "source."));
  p.remote.certificate = TRY(StringField(src, "certificate", "source."));
  p.remote.secret = TRY(StringField(src, "secret", "source."));
  if (p.remote.protocol.empty()) p.remote.protocol = "lxd";
  if (p.remote.server.empty())
    return Error::Invalid("\"source.server\" is required to pull an image");
  if (p.remote.alias.empty() && p.remote.fingerprint.empty()) {
    return Error::Invalid("the image source names neither an alias nor a fingerprint");
  }
  // LXD's client sends the alias in "fingerprint" too; the alias decides,
  // except with a secret, which is for the image the fingerprint names.
  if (!p.remote.alias.empty() && p.remote.secret.empty()) p.remote.fingerprint.clear();
  p.options.cached = false;
  p.options.auto_update = TRY(BoolField(body, "auto_update"));
  p.options.is_public = TRY(BoolField(body, "public"));
  p.copy_aliases = TRY(BoolField(body, "copy_aliases"));
  if (body.contains("aliases") && !body["aliases"].is_null()) {
    if (!body["aliases"].is_array()) return Error::Invalid("\"aliases\" must be a list");
    for (const json& a : body["aliases"]) {
      if (!a.is_object()) return Error::Invalid("each of \"aliases\" must be {name, description}");
      db::ImageAliasRecord rec;
      rec.name = TRY(StringField(a, "name", "aliases[]."));
      rec.description = TRY(StringField(a, "description", "aliases[]."));
      TRY(core::ValidateAliasName(rec.name));
      // Refused before any download: a taken name would fail only afterwards.
      if (auto existing = ctx.db->GetAlias(rec.name); existing.ok()) {
        return Error::Conflict("Alias \"" + rec.name + "\" already exists (it points at image " +
                               existing->fingerprint.substr(0, 12) + ")");
      }
      p.aliases.push_back(std::move(rec));
    }
  }
  return p;
}

base::Status RunPull(Context& ctx, const PullRequest& p, ops::Operation& op) {
  PulledImage pulled = TRY(PullRemoteImage(ctx, p.remote, p.options, &op));
  const std::string& fp = pulled.fingerprint;
  for (const auto& a : p.aliases) {
    TRY_CTX(ctx.db->CreateAlias(a.name, fp, a.description), "creating alias \"" + a.name + "\"");
    ctx.events->PublishLifecycle("image-alias-created", "/1.0/images/aliases/" + a.name);
  }
  if (p.copy_aliases) {
    for (const std::string& name : pulled.remote_aliases) {
      if (ctx.db->GetAlias(name).ok() || !core::ValidateAliasName(name).ok()) continue;
      if (ctx.db->CreateAlias(name, fp, "").ok()) {
        ctx.events->PublishLifecycle("image-alias-created", "/1.0/images/aliases/" + name);
      }
    }
  }
  auto rec = TRY(ctx.db->GetImage(fp));
  op.UpdateMetadata({{"fingerprint", fp}, {"size", std::to_string(rec.size)}});
  return base::Ok();
}

}  // namespace

http::Response PostImagePull(Context& ctx, const nlohmann::json& body) {
  auto parsed = ParsePull(ctx, body);
  if (!parsed) return http::Response::Error(parsed.error());
  auto p = std::make_shared<PullRequest>(std::move(*parsed));
  auto op = ctx.operations->Create("task", "Downloading image", {}, nullptr,
                                   [&ctx, p](ops::Operation& op) { return RunPull(ctx, *p, op); });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

}  // namespace nest::daemon
