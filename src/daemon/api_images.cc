// /1.0/images and /1.0/images/<fingerprint>: list, get, update, delete. Upload
// (POST /1.0/images), export and aliases have their own files.
#include "core/cache_policy.h"
#include "core/server_config.h"
#include "core/time_format.h"
#include "daemon/etag.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_gc.h"
#include "daemon/routes.h"
#include "daemon/visibility.h"
#include "storage/image_import.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

std::string ImageUrl(const std::string& fingerprint) { return "/1.0/images/" + fingerprint; }

// The cache policy's view of one image, for the fields nest adds to LXD's
// Image object: last_checked_at, next_update_check_at, cache_expires_at (the
// zero time = never) and used_by.
struct PolicyKeys {
  int64_t expiry_days = 0;
  int64_t interval_hours = 0;
};

PolicyKeys ReadPolicyKeys(Context& ctx) {
  auto config = ctx.db->GetConfig();
  db::ConfigMap stored = config ? *config : db::ConfigMap{};
  return {core::GetInt(stored, "images.remote_cache_expiry"),
          core::GetInt(stored, "images.auto_update_interval")};
}

nlohmann::json ImageJson(Context& ctx, const db::ImageRecord& img, const PolicyKeys& keys,
                         bool trusted) {
  nlohmann::json aliases = nlohmann::json::array();
  for (const auto& name : img.aliases) {
    std::string description;
    if (auto a = ctx.db->GetAlias(name)) description = a->description;
    aliases.push_back({{"name", name}, {"description", description}});
  }
  nlohmann::json j = {
      {"aliases", aliases},
      {"architecture", img.architecture},
      {"cached", img.cached},
      {"filename", img.filename},
      {"fingerprint", img.fingerprint},
      {"properties", img.properties},
      {"public", img.is_public},
      {"size", img.size},
      {"auto_update", img.auto_update},
      {"type", img.type},
      {"created_at", core::FormatRfc3339(img.created_at)},
      {"expires_at", core::FormatRfc3339(img.expires_at)},
      {"last_used_at", core::FormatRfc3339(img.last_used_at)},
      {"uploaded_at", core::FormatRfc3339(img.uploaded_at)},
      {"profiles", {"default"}},
      {"project", "default"},
  };
  std::vector<std::string> users;
  if (auto u = ctx.db->InstancesUsingImage(img.fingerprint)) users = *u;
  auto facts = PolicyFacts(img, static_cast<int>(users.size()));
  nlohmann::json used_by = nlohmann::json::array();
  for (const auto& n : users) used_by.push_back("/1.0/instances/" + n);
  // Which containers exist is not for untrusted clients.
  if (trusted) j["used_by"] = used_by;
  j["last_checked_at"] = core::FormatRfc3339(img.last_checked_at);
  j["cache_expires_at"] = core::FormatRfc3339(core::CacheExpiresAt(facts, keys.expiry_days));
  int64_t next_check = img.update_source.protocol == "builtin"
                           ? 0
                           : core::NextUpdateCheckAt(facts, keys.interval_hours);
  j["next_update_check_at"] = core::FormatRfc3339(next_check);
  if (!img.update_source.empty()) {
    j["update_source"] = {{"alias", img.update_source.alias},
                          {"certificate", img.update_source.certificate},
                          {"protocol", img.update_source.protocol},
                          {"server", img.update_source.server},
                          {"image_type", ""}};
  }
  return j;
}

// LXD hashes [public, auto_update, properties] for an image's ETag.
std::string ImageEtag(const db::ImageRecord& img) {
  return Etag(nlohmann::json::array({img.is_public, img.auto_update, img.properties}));
}

// kPrecondition when the request carries an If-Match that is not `etag`.
base::Status CheckIfMatch(const Request& req, const std::string& etag) {
  std::string match = req.Header("If-Match");
  if (match.size() >= 2 && match.front() == '"' && match.back() == '"') {
    match = match.substr(1, match.size() - 2);
  }
  if (!match.empty() && match != etag) {
    return base::Error(base::ErrorKind::kPrecondition, "ETag doesn't match");
  }
  return base::Ok();
}

base::Result<std::map<std::string, std::string>> StringMap(const nlohmann::json& j,
                                                           const std::string& field) {
  if (j.is_null()) return std::map<std::string, std::string>{};
  if (!j.is_object()) return base::Error::Invalid("\"" + field + "\" must be an object");
  std::map<std::string, std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_string()) {
      return base::Error::Invalid("\"" + field + "." + it.key() + "\" must be a string");
    }
    out[it.key()] = it->get<std::string>();
  }
  return out;
}

base::Result<bool> Bool(const nlohmann::json& body, const std::string& field) {
  const auto& v = body[field];
  if (!v.is_boolean()) return base::Error::Invalid("\"" + field + "\" must be true or false");
  return v.get<bool>();
}

Response List(Context& ctx, Request& req) {
  auto list = ctx.db->ListImages();
  if (!list) return Response::Error(list.error());
  nlohmann::json out = nlohmann::json::array();
  bool full = req.Query("recursion", "0") != "0";
  PolicyKeys keys = ReadPolicyKeys(ctx);
  for (const auto& img : *list) {
    if (!VisibleTo(req, img)) continue;
    out.push_back(full ? ImageJson(ctx, img, keys, req.trusted)
                       : nlohmann::json(ImageUrl(img.fingerprint)));
  }
  return Response::Sync(out);
}

Response Get(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  if (!VisibleTo(req, *img, ctx.image_secrets, SecretUse::kLook)) {
    return Response::Error(HiddenImage(req.params["fingerprint"]));
  }
  return Response::Sync(ImageJson(ctx, *img, ReadPolicyKeys(ctx), req.trusted), ImageEtag(*img));
}

// PUT replaces auto_update, public and properties (and expires_at when given);
// PATCH changes only the fields present, merging properties, as LXD does.
Response Update(Context& ctx, Request& req, bool patch) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  if (auto s = CheckIfMatch(req, ImageEtag(*img)); !s) return Response::Error(s.error());
  auto body = http::ParseJsonBody(req);
  if (!body) return Response::Error(body.error());
  if (!body->is_object()) return Response::Error(base::Error::Invalid("body must be an object"));
  db::ImageRecord rec = *img;
  auto has = [&](const char* k) { return body->contains(k) && !(*body)[k].is_null(); };
  if (!patch) {
    rec.auto_update = has("auto_update") && (*body)["auto_update"].is_boolean() &&
                      (*body)["auto_update"].get<bool>();
    rec.is_public =
        has("public") && (*body)["public"].is_boolean() && (*body)["public"].get<bool>();
    auto props =
        StringMap(has("properties") ? (*body)["properties"] : nlohmann::json(), "properties");
    if (!props) return Response::Error(props.error());
    rec.properties = std::move(*props);
  } else {
    if (has("auto_update")) {
      auto v = Bool(*body, "auto_update");
      if (!v) return Response::Error(v.error());
      rec.auto_update = *v;
    }
    if (has("public")) {
      auto v = Bool(*body, "public");
      if (!v) return Response::Error(v.error());
      rec.is_public = *v;
    }
    if (body->contains("properties")) {
      auto props = StringMap((*body)["properties"], "properties");
      if (!props) return Response::Error(props.error());
      for (auto& [k, v] : *props) rec.properties[k] = v;
    }
  }
  if (has("expires_at")) {
    if (!(*body)["expires_at"].is_string()) {
      return Response::Error(base::Error::Invalid("\"expires_at\" must be an RFC 3339 time"));
    }
    auto t = core::ParseRfc3339((*body)["expires_at"].get<std::string>());
    if (!t) return Response::Error(std::move(t).error().Context("expires_at"));
    if (*t != 0) rec.expires_at = *t;
  }
  if (auto s = ctx.db->UpdateImage(rec); !s) return Response::Error(s.error());
  ctx.events->PublishLifecycle("image-updated", ImageUrl(rec.fingerprint));
  return Response::EmptySync();
}

Response Delete(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  std::string fp = img->fingerprint;
  auto users = ctx.db->InstancesUsingImage(fp);
  if (!users) return Response::Error(users.error());
  if (!users->empty()) {
    std::string names;
    for (const auto& n : *users) names += (names.empty() ? "" : ", ") + n;
    return Response::Error(base::Error::Conflict("image " + fp.substr(0, 12) +
                                                 " is in use by instances: " + names +
                                                 " (delete them first)"));
  }
  auto op = ctx.operations->Create("task", "Deleting image", {{"images", {ImageUrl(fp)}}}, nullptr,
                                   [&ctx, fp](ops::Operation&) -> base::Status {
                                     // The row goes first: a failure after it leaves only
                                     // unreferenced files, never a record whose files are gone.
                                     TRY_CTX(ctx.db->DeleteImage(fp), "deleting image " + fp);
                                     TRY_CTX(storage::RemoveImageFiles(ctx.paths.Images(), fp),
                                             "removing the files of image " + fp);
                                     ctx.events->PublishLifecycle("image-deleted", ImageUrl(fp));
                                     return base::Ok();
                                   });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

}  // namespace

void RegisterImageRoutes(http::Router& router, Context& ctx, InstanceManager& instances) {
  // Aliases first: "/1.0/images/aliases/export" must reach the alias, not the
  // export of an image "aliases" (equal specificity: the earlier route wins).
  RegisterImageAliasRoutes(router, ctx);
  RegisterImageUploadRoutes(router, ctx, instances);
  RegisterImageExportRoutes(router, ctx);
  RegisterImageSecretRoutes(router, ctx);
  // Untrusted HTTPS clients see public images only (handlers filter), and a
  // private one by fingerprint with a secret (GET and export).
  router.Add(
      "GET", "/1.0/images", [&ctx](Request& r) { return List(ctx, r); }, http::Access::kPublic);
  router.Add(
      "GET", "/1.0/images/{fingerprint}", [&ctx](Request& r) { return Get(ctx, r); },
      http::Access::kPublic);
  router.Add("PUT", "/1.0/images/{fingerprint}",
             [&ctx](Request& r) { return Update(ctx, r, false); });
  router.Add("PATCH", "/1.0/images/{fingerprint}",
             [&ctx](Request& r) { return Update(ctx, r, true); });
  router.Add("DELETE", "/1.0/images/{fingerprint}", [&ctx](Request& r) { return Delete(ctx, r); });
}

}  // namespace nest::daemon
