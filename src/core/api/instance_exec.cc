#include "core/api/instance_exec.h"

#include "core/api/json.h"

namespace nest::core::api {

void to_json(Json& j, const InstanceExecPost& v) {
  j = Json{{"command", v.command},
           {"wait-for-websocket", v.wait_for_websocket},
           {"interactive", v.interactive},
           {"environment", v.environment},
           {"width", v.width},
           {"height", v.height},
           {"record-output", v.record_output},
           {"user", v.user},
           {"group", v.group},
           {"cwd", v.cwd}};
}

void from_json(const Json& j, InstanceExecPost& v) {
  ReadField(j, "command", &v.command);
  ReadField(j, "wait-for-websocket", &v.wait_for_websocket);
  ReadField(j, "interactive", &v.interactive);
  ReadField(j, "environment", &v.environment);
  ReadField(j, "width", &v.width);
  ReadField(j, "height", &v.height);
  ReadField(j, "record-output", &v.record_output);
  ReadField(j, "user", &v.user);
  ReadField(j, "group", &v.group);
  ReadField(j, "cwd", &v.cwd);
}

void to_json(Json& j, const InstanceExecControl& v) {
  j = Json{{"command", v.command}, {"args", v.args}, {"signal", v.signal}};
}

void from_json(const Json& j, InstanceExecControl& v) {
  ReadField(j, "command", &v.command);
  ReadField(j, "args", &v.args);
  ReadField(j, "signal", &v.signal);
}

}  // namespace nest::core::api
