// POST /1.0/instances/<name>/exec and its control-socket messages
// (LXD shared/api/instance_exec.go). Note the hyphenated JSON names.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nest::core::api {

struct InstanceExecPost {
  std::vector<std::string> command;
  bool wait_for_websocket = false;  // "wait-for-websocket"
  bool interactive = false;
  std::map<std::string, std::string> environment;
  int width = 0;
  int height = 0;
  bool record_output = false;  // "record-output"
  uint32_t user = 0;
  uint32_t group = 0;
  std::string cwd;
};

// A message on the exec control websocket:
// {"command":"window-resize","args":{"width":"80","height":"24"}} or
// {"command":"signal","signal":15}.
struct InstanceExecControl {
  std::string command;
  std::map<std::string, std::string> args;
  int signal = 0;
};

void to_json(nlohmann::json& j, const InstanceExecPost& v);
void from_json(const nlohmann::json& j, InstanceExecPost& v);
void to_json(nlohmann::json& j, const InstanceExecControl& v);
void from_json(const nlohmann::json& j, InstanceExecControl& v);

}  // namespace nest::core::api
