#include "core/api/status_code.h"

namespace nest::core::api {

const char* StatusName(StatusCode code) {
  switch (code) {
    case StatusCode::kCreated:
      return "Operation created";
    case StatusCode::kStarted:
      return "Started";
    case StatusCode::kStopped:
      return "Stopped";
    case StatusCode::kRunning:
      return "Running";
    case StatusCode::kCancelling:
      return "Cancelling";
    case StatusCode::kPending:
      return "Pending";
    case StatusCode::kStarting:
      return "Starting";
    case StatusCode::kStopping:
      return "Stopping";
    case StatusCode::kAborting:
      return "Aborting";
    case StatusCode::kFreezing:
      return "Freezing";
    case StatusCode::kFrozen:
      return "Frozen";
    case StatusCode::kThawed:
      return "Thawed";
    case StatusCode::kError:
      return "Error";
    case StatusCode::kReady:
      return "Ready";
    case StatusCode::kSuccess:
      return "Success";
    case StatusCode::kFailure:
      return "Failure";
    case StatusCode::kCancelled:
      return "Cancelled";
  }
  return "";
}

bool IsFinal(StatusCode code) {
  return code == StatusCode::kSuccess || code == StatusCode::kFailure ||
         code == StatusCode::kCancelled;
}

void to_json(nlohmann::json& j, StatusCode code) { j = static_cast<int>(code); }

void from_json(const nlohmann::json& j, StatusCode& code) {
  code = static_cast<StatusCode>(j.get<int>());
}

}  // namespace nest::core::api
