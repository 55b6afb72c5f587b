// Instance API types (LXD shared/api/instance.go, instance_state.go).
// JSON field names are exactly LXD's. from_json reads only the fields present,
// so it overlays onto an existing value (see MergeJson for PATCH).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/api/status_code.h"

namespace nest::core::api {

using StringMap = std::map<std::string, std::string>;
using DeviceMap = std::map<std::string, StringMap>;

// Writable fields: PUT/PATCH /1.0/instances/<name>.
struct InstancePut {
  std::string architecture;
  StringMap config;
  DeviceMap devices;
  bool ephemeral = false;
  std::vector<std::string> profiles;
  bool stateful = false;
  std::string description;
  std::string restore;  // snapshot name to restore; omitted from JSON when empty
};

// GET /1.0/instances/<name>. "status" is StatusName(status_code).
struct Instance : InstancePut {
  std::string created_at;  // RFC 3339, see core/time_format.h
  StringMap expanded_config;
  DeviceMap expanded_devices;
  std::string name;
  StatusCode status_code = StatusCode::kStopped;
  std::string last_used_at;
  std::string location = "none";
  std::string type = "container";
  std::string project = "default";
};

// GET /1.0/instances/<name>/state.
struct InstanceStateDisk {
  int64_t usage = 0;
};

struct InstanceStateMemory {
  int64_t usage = 0;
  int64_t usage_peak = 0;
  int64_t swap_usage = 0;
  int64_t swap_usage_peak = 0;
};

struct InstanceStateCpu {
  int64_t usage = 0;  // nanoseconds
};

struct InstanceState {
  StatusCode status_code = StatusCode::kStopped;
  std::map<std::string, InstanceStateDisk> disk;
  InstanceStateMemory memory;
  nlohmann::json network;  // null, or LXD's {"<iface>": {...}} object as is
  int64_t pid = 0;
  int64_t processes = 0;
  InstanceStateCpu cpu;
};

// GET /1.0/instances/<name>?recursion=1 and list recursion=2: Instance plus
// "state"; "snapshots" and "backups" are always null.
struct InstanceFull : Instance {
  std::optional<InstanceState> state;
};

// POST /1.0/instances "source".
struct InstanceSource {
  std::string type;  // "image" | "none" | "copy" | "migration"
  std::string certificate;
  std::string alias;
  std::string fingerprint;
  StringMap properties;
  std::string server;
  std::string secret;
  std::string protocol;    // "lxd" | "simplestreams"
  std::string base_image;  // JSON "base-image"
  std::string mode;        // "pull"
  std::string source;      // instance to copy from
  std::string project;
};

// POST /1.0/instances.
struct InstancesPost : InstancePut {
  std::string name;
  InstanceSource source;
  std::string instance_type;
  std::string type = "container";
  bool start = false;
};

// POST /1.0/instances/<name>: rename.
struct InstancePost {
  std::string name;
};

// PUT /1.0/instances/<name>/state.
struct InstanceStatePut {
  std::string action;  // start | stop | restart | freeze | unfreeze
  int timeout = -1;    // seconds, -1 = no limit
  bool force = false;
  bool stateful = false;
};

void to_json(nlohmann::json& j, const InstancePut& v);
void from_json(const nlohmann::json& j, InstancePut& v);
void to_json(nlohmann::json& j, const Instance& v);
void from_json(const nlohmann::json& j, Instance& v);
void to_json(nlohmann::json& j, const InstanceStateDisk& v);
void from_json(const nlohmann::json& j, InstanceStateDisk& v);
void to_json(nlohmann::json& j, const InstanceStateMemory& v);
void from_json(const nlohmann::json& j, InstanceStateMemory& v);
void to_json(nlohmann::json& j, const InstanceStateCpu& v);
void from_json(const nlohmann::json& j, InstanceStateCpu& v);
void to_json(nlohmann::json& j, const InstanceState& v);
void from_json(const nlohmann::json& j, InstanceState& v);
void to_json(nlohmann::json& j, const InstanceFull& v);
void from_json(const nlohmann::json& j, InstanceFull& v);
void to_json(nlohmann::json& j, const InstanceSource& v);
void from_json(const nlohmann::json& j, InstanceSource& v);
void to_json(nlohmann::json& j, const InstancesPost& v);
void from_json(const nlohmann::json& j, InstancesPost& v);
void to_json(nlohmann::json& j, const InstancePost& v);
void from_json(const nlohmann::json& j, InstancePost& v);
void to_json(nlohmann::json& j, const InstanceStatePut& v);
void from_json(const nlohmann::json& j, InstanceStatePut& v);

}  // namespace nest::core::api
