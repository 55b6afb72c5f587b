// /1.0/profiles: read access (profile editing comes with the profiles issue).
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/routes.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

nlohmann::json ProfileJson(Context& ctx, const db::ProfileRecord& p) {
  nlohmann::json used_by = nlohmann::json::array();
  if (auto names = ctx.db->InstancesUsingProfile(p.name)) {
    for (const auto& n : *names) used_by.push_back("/1.0/instances/" + n);
  }
  return {{"config", p.config}, {"description", p.description}, {"devices", p.devices},
          {"name", p.name},     {"used_by", used_by},           {"project", "default"}};
}

}  // namespace

void RegisterProfileRoutes(http::Router& router, Context& ctx) {
  router.Add("GET", "/1.0/profiles", [&ctx](Request& req) {
    auto list = ctx.db->ListProfiles();
    if (!list) return Response::Error(list.error());
    nlohmann::json out = nlohmann::json::array();
    bool full = req.Query("recursion", "0") != "0";
    for (const auto& p : *list) {
      if (full) {
        out.push_back(ProfileJson(ctx, p));
      } else {
        out.push_back("/1.0/profiles/" + p.name);
      }
    }
    return Response::Sync(out);
  });
  router.Add("GET", "/1.0/profiles/{name}", [&ctx](Request& req) {
    auto p = ctx.db->GetProfile(req.params["name"]);
    if (!p) return Response::Error(p.error());
    return Response::Sync(ProfileJson(ctx, *p));
  });
}

}  // namespace nest::daemon
