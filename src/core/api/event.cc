#include "core/api/event.h"

#include "core/api/json.h"

namespace nest::core::api {

void to_json(Json& j, const Event& v) {
  j = Json{{"type", v.type},
           {"timestamp", v.timestamp},
           {"metadata", v.metadata},
           {"location", v.location}};
  if (!v.project.empty()) j["project"] = v.project;
}

void from_json(const Json& j, Event& v) {
  ReadField(j, "type", &v.type);
  ReadField(j, "timestamp", &v.timestamp);
  if (auto it = j.find("metadata"); it != j.end()) v.metadata = *it;
  ReadField(j, "location", &v.location);
  ReadField(j, "project", &v.project);
}

void to_json(Json& j, const EventLifecycle& v) {
  j = Json{{"action", v.action}, {"source", v.source}};
  if (!v.context.is_null() && !v.context.empty()) j["context"] = v.context;
  if (!v.requestor.is_null() && !v.requestor.empty()) j["requestor"] = v.requestor;
}

void from_json(const Json& j, EventLifecycle& v) {
  ReadField(j, "action", &v.action);
  ReadField(j, "source", &v.source);
  if (auto it = j.find("context"); it != j.end()) v.context = *it;
  if (auto it = j.find("requestor"); it != j.end()) v.requestor = *it;
}

void to_json(Json& j, const EventLogging& v) {
  j = Json{{"message", v.message}, {"level", v.level}, {"context", v.context}};
}

void from_json(const Json& j, EventLogging& v) {
  ReadField(j, "message", &v.message);
  ReadField(j, "level", &v.level);
  ReadField(j, "context", &v.context);
}

}  // namespace nest::core::api
