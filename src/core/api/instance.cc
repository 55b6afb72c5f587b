#include "core/api/instance.h"

#include "core/api/json.h"

namespace nest::core::api {
namespace {

void PutIfSet(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

void to_json(Json& j, const InstancePut& v) {
  j = Json{{"architecture", v.architecture}, {"config", v.config},     {"devices", v.devices},
           {"ephemeral", v.ephemeral},       {"profiles", v.profiles}, {"stateful", v.stateful},
           {"description", v.description}};
  PutIfSet(j, "restore", v.restore);
}

void from_json(const Json& j, InstancePut& v) {
  ReadField(j, "architecture", &v.architecture);
  ReadField(j, "config", &v.config);
  ReadField(j, "devices", &v.devices);
  ReadField(j, "ephemeral", &v.ephemeral);
  ReadField(j, "profiles", &v.profiles);
  ReadField(j, "stateful", &v.stateful);
  ReadField(j, "description", &v.description);
  ReadField(j, "restore", &v.restore);
}

void to_json(Json& j, const Instance& v) {
  to_json(j, static_cast<const InstancePut&>(v));
  j["created_at"] = v.created_at;
  j["expanded_config"] = v.expanded_config;
  j["expanded_devices"] = v.expanded_devices;
  j["name"] = v.name;
  j["status"] = StatusName(v.status_code);
  j["status_code"] = v.status_code;
  j["last_used_at"] = v.last_used_at;
  j["location"] = v.location;
  j["type"] = v.type;
  j["project"] = v.project;
}

void from_json(const Json& j, Instance& v) {
  from_json(j, static_cast<InstancePut&>(v));
  ReadField(j, "created_at", &v.created_at);
  ReadField(j, "expanded_config", &v.expanded_config);
  ReadField(j, "expanded_devices", &v.expanded_devices);
  ReadField(j, "name", &v.name);
  ReadField(j, "status_code", &v.status_code);
  ReadField(j, "last_used_at", &v.last_used_at);
  ReadField(j, "location", &v.location);
  ReadField(j, "type", &v.type);
  ReadField(j, "project", &v.project);
}

void to_json(Json& j, const InstanceStateDisk& v) { j = Json{{"usage", v.usage}}; }
void from_json(const Json& j, InstanceStateDisk& v) { ReadField(j, "usage", &v.usage); }

void to_json(Json& j, const InstanceStateMemory& v) {
  j = Json{{"usage", v.usage},
           {"usage_peak", v.usage_peak},
           {"swap_usage", v.swap_usage},
           {"swap_usage_peak", v.swap_usage_peak}};
}

void from_json(const Json& j, InstanceStateMemory& v) {
  ReadField(j, "usage", &v.usage);
  ReadField(j, "usage_peak", &v.usage_peak);
  ReadField(j, "swap_usage", &v.swap_usage);
  ReadField(j, "swap_usage_peak", &v.swap_usage_peak);
}

void to_json(Json& j, const InstanceStateCpu& v) { j = Json{{"usage", v.usage}}; }
void from_json(const Json& j, InstanceStateCpu& v) { ReadField(j, "usage", &v.usage); }

void to_json(Json& j, const InstanceState& v) {
  j = Json{{"status", StatusName(v.status_code)},
           {"status_code", v.status_code},
           {"disk", v.disk.empty() ? Json::object() : Json(v.disk)},
           {"memory", v.memory},
           {"network", v.network},
           {"pid", v.pid},
           {"processes", v.processes},
           {"cpu", v.cpu}};
}

void from_json(const Json& j, InstanceState& v) {
  ReadField(j, "status_code", &v.status_code);
  ReadField(j, "disk", &v.disk);
  ReadField(j, "memory", &v.memory);
  if (auto it = j.find("network"); it != j.end()) v.network = *it;
  ReadField(j, "pid", &v.pid);
  ReadField(j, "processes", &v.processes);
  ReadField(j, "cpu", &v.cpu);
}

void to_json(Json& j, const InstanceFull& v) {
  to_json(j, static_cast<const Instance&>(v));
  j["state"] = v.state ? Json(*v.state) : Json(nullptr);
  j["snapshots"] = nullptr;
  j["backups"] = nullptr;
}

void from_json(const Json& j, InstanceFull& v) {
  from_json(j, static_cast<Instance&>(v));
  if (auto it = j.find("state"); it != j.end() && !it->is_null()) {
    InstanceState state = v.state.value_or(InstanceState{});
    from_json(*it, state);
    v.state = std::move(state);
  }
}

void to_json(Json& j, const InstanceSource& v) {
  j = Json{{"type", v.type}, {"certificate", v.certificate}};
  PutIfSet(j, "alias", v.alias);
  PutIfSet(j, "fingerprint", v.fingerprint);
  if (!v.properties.empty()) j["properties"] = v.properties;
  PutIfSet(j, "server", v.server);
  PutIfSet(j, "secret", v.secret);
  PutIfSet(j, "protocol", v.protocol);
  PutIfSet(j, "base-image", v.base_image);
  PutIfSet(j, "mode", v.mode);
  PutIfSet(j, "source", v.source);
  PutIfSet(j, "project", v.project);
}

void from_json(const Json& j, InstanceSource& v) {
  ReadField(j, "type", &v.type);
  ReadField(j, "certificate", &v.certificate);
  ReadField(j, "alias", &v.alias);
  ReadField(j, "fingerprint", &v.fingerprint);
  ReadField(j, "properties", &v.properties);
  ReadField(j, "server", &v.server);
  ReadField(j, "secret", &v.secret);
  ReadField(j, "protocol", &v.protocol);
  ReadField(j, "base-image", &v.base_image);
  ReadField(j, "mode", &v.mode);
  ReadField(j, "source", &v.source);
  ReadField(j, "project", &v.project);
}

void to_json(Json& j, const InstancesPost& v) {
  to_json(j, static_cast<const InstancePut&>(v));
  j["name"] = v.name;
  j["source"] = v.source;
  j["instance_type"] = v.instance_type;
  j["type"] = v.type;
  j["start"] = v.start;
}

void from_json(const Json& j, InstancesPost& v) {
  from_json(j, static_cast<InstancePut&>(v));
  ReadField(j, "name", &v.name);
  ReadField(j, "source", &v.source);
  ReadField(j, "instance_type", &v.instance_type);
  ReadField(j, "type", &v.type);
  ReadField(j, "start", &v.start);
}

void to_json(Json& j, const InstancePost& v) { j = Json{{"name", v.name}}; }
void from_json(const Json& j, InstancePost& v) { ReadField(j, "name", &v.name); }

void to_json(Json& j, const InstanceStatePut& v) {
  j = Json{
      {"action", v.action}, {"timeout", v.timeout}, {"force", v.force}, {"stateful", v.stateful}};
}

void from_json(const Json& j, InstanceStatePut& v) {
  ReadField(j, "action", &v.action);
  ReadField(j, "timeout", &v.timeout);
  ReadField(j, "force", &v.force);
  ReadField(j, "stateful", &v.stateful);
}

}  // namespace nest::core::api
