// /1.0/events messages (LXD shared/api/event.go).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace nest::core::api {

// One websocket text frame. "project" is omitted when empty (LXD's logging
// events carry none; operation and lifecycle events do).
struct Event {
  std::string type;       // "operation" | "logging" | "lifecycle"
  std::string timestamp;  // RFC 3339
  nlohmann::json metadata;
  std::string location = "none";
  std::string project;
};

// Metadata of a "lifecycle" event: {"action":"instance-started",
// "source":"/1.0/instances/c1","context":{...}}; context and requestor are
// omitted when null/empty.
struct EventLifecycle {
  std::string action;
  std::string source;
  nlohmann::json context;
  nlohmann::json requestor;
};

// Metadata of a "logging" event.
struct EventLogging {
  std::string message;
  std::string level;  // "debug" | "info" | "warning" | "error"
  std::map<std::string, std::string> context;
};

void to_json(nlohmann::json& j, const Event& v);
void from_json(const nlohmann::json& j, Event& v);
void to_json(nlohmann::json& j, const EventLifecycle& v);
void from_json(const nlohmann::json& j, EventLifecycle& v);
void to_json(nlohmann::json& j, const EventLogging& v);
void from_json(const nlohmann::json& j, EventLogging& v);

}  // namespace nest::core::api
