#include "core/api/server.h"

#include "core/api/json.h"

namespace nest::core::api {

void to_json(Json& j, const ServerPut& v) { j = Json{{"config", v.config}}; }

void from_json(const Json& j, ServerPut& v) {
  auto it = j.find("config");
  if (it == j.end() || it->is_null()) return;
  if (!it->is_object()) throw Json::type_error::create(302, "config must be an object", &*it);
  v.config.clear();
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) {
      v.config[key] = value.get<std::string>();
    } else if (value.is_null()) {
      v.config[key] = "";
    } else if (value.is_primitive()) {
      v.config[key] = value.dump();
    } else {
      throw Json::type_error::create(302, "config value of " + key + " must be a string", &value);
    }
  }
}

void to_json(Json& j, const ServerStorageDriverInfo& v) {
  j = Json{{"Name", v.name}, {"Version", v.version}, {"Remote", v.remote}};
}

void from_json(const Json& j, ServerStorageDriverInfo& v) {
  ReadField(j, "Name", &v.name);
  ReadField(j, "Version", &v.version);
  ReadField(j, "Remote", &v.remote);
}

void to_json(Json& j, const ServerEnvironment& v) {
  j = Json{{"addresses", v.addresses.empty() ? Json::array() : Json(v.addresses)},
           {"architectures", v.architectures},
           {"certificate", v.certificate},
           {"certificate_fingerprint", v.certificate_fingerprint},
           {"driver", v.driver},
           {"driver_version", v.driver_version},
           {"firewall", v.firewall},
           {"kernel", v.kernel},
           {"kernel_architecture", v.kernel_architecture},
           {"kernel_features", v.kernel_features},
           {"kernel_version", v.kernel_version},
           {"lxc_features", v.lxc_features},
           {"os_name", v.os_name},
           {"os_version", v.os_version},
           {"project", v.project},
           {"server", v.server},
           {"server_clustered", v.server_clustered},
           {"server_event_mode", v.server_event_mode},
           {"server_name", v.server_name},
           {"server_pid", v.server_pid},
           {"server_version", v.server_version},
           {"storage", v.storage},
           {"storage_version", v.storage_version},
           {"storage_supported_drivers", v.storage_supported_drivers}};
}

void from_json(const Json& j, ServerEnvironment& v) {
  ReadField(j, "addresses", &v.addresses);
  ReadField(j, "architectures", &v.architectures);
  ReadField(j, "certificate", &v.certificate);
  ReadField(j, "certificate_fingerprint", &v.certificate_fingerprint);
  ReadField(j, "driver", &v.driver);
  ReadField(j, "driver_version", &v.driver_version);
  ReadField(j, "firewall", &v.firewall);
  ReadField(j, "kernel", &v.kernel);
  ReadField(j, "kernel_architecture", &v.kernel_architecture);
  ReadField(j, "kernel_features", &v.kernel_features);
  ReadField(j, "kernel_version", &v.kernel_version);
  ReadField(j, "lxc_features", &v.lxc_features);
  ReadField(j, "os_name", &v.os_name);
  ReadField(j, "os_version", &v.os_version);
  ReadField(j, "project", &v.project);
  ReadField(j, "server", &v.server);
  ReadField(j, "server_clustered", &v.server_clustered);
  ReadField(j, "server_event_mode", &v.server_event_mode);
  ReadField(j, "server_name", &v.server_name);
  ReadField(j, "server_pid", &v.server_pid);
  ReadField(j, "server_version", &v.server_version);
  ReadField(j, "storage", &v.storage);
  ReadField(j, "storage_version", &v.storage_version);
  ReadField(j, "storage_supported_drivers", &v.storage_supported_drivers);
}

void to_json(Json& j, const Server& v) {
  to_json(j, static_cast<const ServerPut&>(v));
  j["api_extensions"] = v.api_extensions.empty() ? Json::array() : Json(v.api_extensions);
  j["api_status"] = v.api_status;
  j["api_version"] = v.api_version;
  j["auth"] = v.auth;
  j["public"] = v.public_;
  j["auth_methods"] = v.auth_methods;
  if (v.environment) j["environment"] = *v.environment;
}

void from_json(const Json& j, Server& v) {
  from_json(j, static_cast<ServerPut&>(v));
  ReadField(j, "api_extensions", &v.api_extensions);
  ReadField(j, "api_status", &v.api_status);
  ReadField(j, "api_version", &v.api_version);
  ReadField(j, "auth", &v.auth);
  ReadField(j, "public", &v.public_);
  ReadField(j, "auth_methods", &v.auth_methods);
  if (auto it = j.find("environment"); it != j.end() && !it->is_null()) {
    ServerEnvironment env = v.environment.value_or(ServerEnvironment{});
    from_json(*it, env);
    v.environment = std::move(env);
  }
}

}  // namespace nest::core::api
