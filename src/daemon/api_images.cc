// /1.0/images: read access to the store (import, export and remotes come with
// the images issues).
#include "core/time_format.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/routes.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

nlohmann::json ImageJson(Context& ctx, const db::ImageRecord& img) {
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
  if (!img.update_source.empty()) {
    j["update_source"] = {{"alias", img.update_source.alias},
                          {"certificate", img.update_source.certificate},
                          {"protocol", img.update_source.protocol},
                          {"server", img.update_source.server},
                          {"image_type", ""}};
  }
  return j;
}

}  // namespace

void RegisterImageRoutes(http::Router& router, Context& ctx) {
  router.Add("GET", "/1.0/images", [&ctx](Request& req) {
    auto list = ctx.db->ListImages();
    if (!list) return Response::Error(list.error());
    nlohmann::json out = nlohmann::json::array();
    bool full = req.Query("recursion", "0") != "0";
    for (const auto& img : *list) {
      if (full) {
        out.push_back(ImageJson(ctx, img));
      } else {
        out.push_back("/1.0/images/" + img.fingerprint);
      }
    }
    return Response::Sync(out);
  });
  router.Add("GET", "/1.0/images/aliases", [&ctx](Request& req) {
    auto list = ctx.db->ListAliases();
    if (!list) return Response::Error(list.error());
    nlohmann::json out = nlohmann::json::array();
    bool full = req.Query("recursion", "0") != "0";
    for (const auto& a : *list) {
      if (full) {
        out.push_back({{"name", a.name},
                       {"target", a.fingerprint},
                       {"description", a.description},
                       {"type", "container"}});
      } else {
        out.push_back("/1.0/images/aliases/" + a.name);
      }
    }
    return Response::Sync(out);
  });
  router.Add("GET", "/1.0/images/aliases/{name}", [&ctx](Request& req) {
    auto a = ctx.db->GetAlias(req.params["name"]);
    if (!a) return Response::Error(a.error());
    return Response::Sync({{"name", a->name},
                           {"target", a->fingerprint},
                           {"description", a->description},
                           {"type", "container"}});
  });
  router.Add("GET", "/1.0/images/{fingerprint}", [&ctx](Request& req) {
    auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
    if (!img) return Response::Error(img.error());
    return Response::Sync(ImageJson(ctx, *img));
  });
}

}  // namespace nest::daemon
