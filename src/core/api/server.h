// GET/PUT/PATCH /1.0 (LXD shared/api/server.go).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nest::core::api {

// PUT/PATCH /1.0. LXD's config is map[string]any: numbers and booleans sent by
// a client are read as their JSON text ("6", "true").
struct ServerPut {
  std::map<std::string, std::string> config;
};

// JSON names "Name", "Version", "Remote" (capitalised, as LXD sends them).
struct ServerStorageDriverInfo {
  std::string name;
  std::string version;
  bool remote = false;
};

struct ServerEnvironment {
  std::vector<std::string> addresses;
  std::vector<std::string> architectures;
  std::string certificate;
  std::string certificate_fingerprint;
  std::string driver = "lxc";
  std::string driver_version;
  std::string firewall;
  std::string kernel = "Linux";
  std::string kernel_architecture;
  std::map<std::string, std::string> kernel_features;
  std::string kernel_version;
  std::map<std::string, std::string> lxc_features;
  std::string os_name;
  std::string os_version;
  std::string project = "default";
  std::string server = "lxd";
  bool server_clustered = false;
  std::string server_event_mode = "full-mesh";
  std::string server_name;
  int64_t server_pid = 0;
  std::string server_version;
  std::string storage;
  std::string storage_version;
  std::vector<ServerStorageDriverInfo> storage_supported_drivers;
};

// GET /1.0. environment is omitted for untrusted clients.
struct Server : ServerPut {
  std::vector<std::string> api_extensions;
  std::string api_status = "stable";
  std::string api_version = "1.0";
  std::string auth = "trusted";  // "trusted" | "untrusted"
  bool public_ = false;          // JSON "public"
  std::vector<std::string> auth_methods = {"tls"};
  std::optional<ServerEnvironment> environment;
};

void to_json(nlohmann::json& j, const ServerPut& v);
void from_json(const nlohmann::json& j, ServerPut& v);
void to_json(nlohmann::json& j, const ServerStorageDriverInfo& v);
void from_json(const nlohmann::json& j, ServerStorageDriverInfo& v);
void to_json(nlohmann::json& j, const ServerEnvironment& v);
void from_json(const nlohmann::json& j, ServerEnvironment& v);
void to_json(nlohmann::json& j, const Server& v);
void from_json(const nlohmann::json& j, Server& v);

}  // namespace nest::core::api
