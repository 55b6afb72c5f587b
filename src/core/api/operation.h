// Background operations (LXD shared/api/operation.go).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api/status_code.h"

namespace nest::core::api {

// GET /1.0/operations/<id>. "status" is StatusName(status_code).
struct Operation {
  std::string id;
  std::string class_name;  // JSON "class": "task" | "websocket" | "token"
  std::string description;
  std::string created_at;  // RFC 3339
  std::string updated_at;
  StatusCode status_code = StatusCode::kPending;
  // e.g. {"instances": ["/1.0/instances/c1"]}
  std::map<std::string, std::vector<std::string>> resources;
  nlohmann::json metadata;  // null or an object
  bool may_cancel = false;
  std::string err;
  std::string location = "none";
};

void to_json(nlohmann::json& j, const Operation& v);
void from_json(const nlohmann::json& j, Operation& v);

}  // namespace nest::core::api
