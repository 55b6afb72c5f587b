// POST /1.0/images from an instance (nest publish, lxc publish).
#include <stdlib.h>
#include <sys/stat.h>

#include <memory>

#include "core/names.h"
#include "daemon/image_publish.h"
#include "daemon/image_upload.h"
#include "storage/tarball.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using nlohmann::json;

struct PublishRequest {
  std::string name;
  bool is_public = false;
  std::string filename;
  std::map<std::string, std::string> properties;
  std::vector<std::pair<std::string, std::string>> aliases;  // name, description
};

base::Result<PublishRequest> ParseRequest(const json& body) {
  PublishRequest r;
  try {
    r.name = body.at("source").value("name", "");
    r.is_public = body.value("public", false);
    r.filename = body.value("filename", "");
    if (body.contains("properties") && !body["properties"].is_null()) {
      r.properties = body["properties"].get<std::map<std::string, std::string>>();
    }
    if (body.contains("aliases") && !body["aliases"].is_null()) {
      for (const auto& a : body["aliases"]) {
        r.aliases.emplace_back(a.at("name").get<std::string>(), a.value("description", ""));
      }
    }
  } catch (const std::exception& e) {
    return base::Error::Invalid(std::string("invalid publish request: ") + e.what());
  }
  if (r.name.empty()) return base::Error::Invalid("the source names no instance");
  for (const auto& [alias, _] : r.aliases) {
    TRY(core::ValidateAliasName(alias));
  }
  return r;
}

base::Status Run(Context& ctx, InstanceManager& im, const PublishRequest& r, ops::Operation& op) {
  std::string images = ctx.paths.Images();
  TRY(sys::MkdirAll(images, 0700));
  std::string tmpl = images + "/.tmp-publish-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return base::Error::FromErrno("mkdtemp " + tmpl, errno);
  std::string dir = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { (void)sys::RemoveAll(dir); }
  } cleanup{dir};

  UploadedImage up;
  up.dir = dir;
  up.metadata_path = dir + "/image.tar.gz";
  TRY(im.Publish(r.name, r.properties, up.metadata_path));
  up.fingerprint = TRY(storage::Sha256File(up.metadata_path));
  struct stat st {};
  if (::stat(up.metadata_path.c_str(), &st) < 0)
    return base::Error::FromErrno("stat " + up.metadata_path, errno);
  up.size = st.st_size;
  up.filename = r.filename;
  up.is_public = r.is_public;
  if (ctx.db->GetImage(up.fingerprint)) {
    return base::Error::Conflict("Image with same fingerprint already exists");
  }
  TRY(ImportAndRecord(ctx, up, op));
  for (const auto& [alias, description] : r.aliases) {
    TRY_CTX(ctx.db->CreateAlias(alias, up.fingerprint, description),
            "image " + up.fingerprint + " is published; creating alias \"" + alias + "\"");
    ctx.events->PublishLifecycle("image-alias-created", "/1.0/images/aliases/" + alias,
                                 {{"target", up.fingerprint}});
  }
  return base::Ok();
}

}  // namespace

http::Response PostPublish(Context& ctx, InstanceManager& im, const json& body) {
  auto req = ParseRequest(body);
  if (!req) return http::Response::Error(req.error());
  if (!ctx.db->GetInstance(req->name)) {
    return http::Response::Error(base::Error::NotFound("instance \"" + req->name + "\" not found"));
  }
  if (im.Running(req->name)) {
    return http::Response::Error(base::Error::Conflict("cannot publish instance \"" + req->name +
                                                       "\": it is running (stop it first)"));
  }
  for (const auto& [alias, _] : req->aliases) {
    if (ctx.db->GetAlias(alias)) {
      return http::Response::Error(base::Error::Conflict("Alias \"" + alias + "\" already exists"));
    }
  }
  auto r = std::make_shared<PublishRequest>(std::move(*req));
  auto op = ctx.operations->Create(
      "task", "Publishing instance", {{"instances", {"/1.0/instances/" + r->name}}}, nullptr,
      [&ctx, &im, r](ops::Operation& op) { return Run(ctx, im, *r, op); });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

}  // namespace nest::daemon
