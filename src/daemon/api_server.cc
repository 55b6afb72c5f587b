// GET|PUT|PATCH /1.0: the server and its configuration.
#include <sys/utsname.h>
#include <unistd.h>

#include "core/server_config.h"
#include "daemon/etag.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/https_endpoint.h"
#include "daemon/routes.h"
#include "daemon/scheduler.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

// Extensions the stock lxc client checks; only what nest implements.
const char* const kExtensions[] = {"etag",
                                   "patch",
                                   "container_last_used_at",
                                   "container_exec_signal_handling",
                                   "container_exec_user_group_cwd",
                                   "instances",
                                   "instance_create_start",
                                   "container_only_migration",
                                   "container_full",
                                   "instance_get_full",
                                   "event_lifecycle",
                                   "operation_description",
                                   "image_create_aliases",
                                   "id_map",
                                   "id_map_base",
                                   "api_filtering",
                                   "certificate_token",
                                   "remote_token_expiry"};

nlohmann::json ServerJson(const Context& ctx, const db::ConfigMap& config) {
  struct utsname u {};
  ::uname(&u);
  std::vector<std::string> extensions(std::begin(kExtensions), std::end(kExtensions));
  return {
      {"config", config},
      {"api_extensions", extensions},
      {"api_status", "stable"},
      {"api_version", "1.0"},
      {"auth", "trusted"},
      {"public", false},
      {"auth_methods", {"tls"}},
      {"environment",
       {{"addresses", ctx.https ? nlohmann::json(ctx.https->Addresses()) : nlohmann::json::array()},
        {"architectures", {ctx.architecture}},
        {"certificate", ctx.https ? ctx.https->certificate() : ""},
        {"certificate_fingerprint", ctx.https ? ctx.https->fingerprint() : ""},
        {"driver", "nest"},
        {"driver_version", "0.1.0"},
        {"firewall", ""},
        {"kernel", u.sysname},
        {"kernel_architecture", u.machine},
        {"kernel_features", {{"idmapped_mounts", "true"}}},
        {"kernel_version", u.release},
        {"os_name", "Debian GNU/Linux"},
        {"project", "default"},
        {"server", "nest"},
        {"server_clustered", false},
        {"server_event_mode", "full-mesh"},
        {"server_name", u.nodename},
        {"server_pid", ::getpid()},
        {"server_version", "0.1.0"},
        {"storage", "overlay"},
        {"storage_version", "1"},
        {"storage_supported_drivers",
         {{{"Name", "overlay"}, {"Version", "1"}, {"Remote", false}}}}}},
  };
}

// What an untrusted HTTPS client learns (LXD's ServerUntrusted): no config,
// no environment.
nlohmann::json UntrustedServerJson() {
  std::vector<std::string> extensions(std::begin(kExtensions), std::end(kExtensions));
  return {{"api_extensions", extensions}, {"api_status", "stable"}, {"api_version", "1.0"},
          {"auth", "untrusted"},          {"public", false},        {"auth_methods", {"tls"}}};
}

base::Result<db::ConfigMap> ConfigFromBody(const Request& req) {
  auto body = TRY(http::ParseJsonBody(req));
  db::ConfigMap config;
  if (!body.is_object()) return base::Error::Invalid("request body must be a JSON object");
  if (!body.contains("config") || body["config"].is_null()) return config;
  if (!body["config"].is_object())
    return base::Error::Invalid("\"config\" must be an object of strings");
  for (const auto& [k, v] : body["config"].items()) {
    if (v.is_string()) {
      config[k] = v.get<std::string>();
    } else if (v.is_boolean() || v.is_number()) {
      config[k] = v.dump();
    } else if (!v.is_null()) {
      return base::Error::Invalid("config key \"" + k + "\": value must be a string");
    }
  }
  return config;
}

Response SetConfig(Context& ctx, const Request& req, bool patch) {
  auto config = ConfigFromBody(req);
  if (!config) return Response::Error(config.error());
  auto current = ctx.db->GetConfig();
  if (!current) return Response::Error(current.error());
  db::ConfigMap next = patch ? *current : db::ConfigMap{};
  for (const auto& [k, v] : *config) {
    if (v.empty()) {
      next.erase(k);  // an empty value unsets the key, as in LXD
      continue;
    }
    if (auto s = core::ValidateServerKey(k, v); !s) return Response::Error(s.error());
    next[k] = v;
  }
  // core.https_address takes effect now; a refused address is not stored.
  auto address_of = [](const db::ConfigMap& m) {
    auto it = m.find("core.https_address");
    return it == m.end() ? std::string() : it->second;
  };
  const std::string old_address = address_of(*current);
  const std::string new_address = address_of(next);
  if (ctx.https && new_address != old_address) {
    if (auto s = ctx.https->Apply(new_address); !s) return Response::Error(s.error());
  }
  if (auto s = ctx.db->ReplaceConfig(next); !s) {
    if (ctx.https && new_address != old_address) (void)ctx.https->Apply(old_address);
    return Response::Error(s.error());
  }
  ctx.events->PublishLifecycle("config-updated", "/1.0");
  // A new interval or expiry applies at once, without a restart.
  if (ctx.scheduler) ctx.scheduler->Poke();
  return Response::EmptySync();
}

}  // namespace

void RegisterServerRoutes(http::Router& router, Context& ctx) {
  router.Add(
      "GET", "/", [](Request&) { return Response::Sync({"/1.0"}); }, http::Access::kPublic);
  router.Add(
      "GET", "/1.0",
      [&ctx](Request& r) {
        if (!r.trusted) return Response::Sync(UntrustedServerJson());
        auto config = ctx.db->GetConfig();
        if (!config) return Response::Error(config.error());
        return Response::Sync(ServerJson(ctx, *config), Etag(nlohmann::json(*config)));
      },
      http::Access::kPublic);
  router.Add("PUT", "/1.0", [&ctx](Request& r) { return SetConfig(ctx, r, false); });
  router.Add("PATCH", "/1.0", [&ctx](Request& r) { return SetConfig(ctx, r, true); });
}

}  // namespace nest::daemon
