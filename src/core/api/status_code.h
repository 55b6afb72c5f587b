// LXD's operation and instance status codes (shared/api/status_code.go).
#pragma once

#include <nlohmann/json.hpp>

namespace nest::core::api {

enum class StatusCode : int {
  kCreated = 100,
  kStarted = 101,
  kStopped = 102,
  kRunning = 103,
  kCancelling = 104,
  kPending = 105,
  kStarting = 106,
  kStopping = 107,
  kAborting = 108,
  kFreezing = 109,
  kFrozen = 110,
  kThawed = 111,
  kError = 112,
  kReady = 113,
  kSuccess = 200,
  kFailure = 400,
  kCancelled = 401,
};

// LXD's StatusCode.String(): kCreated -> "Operation created", kRunning ->
// "Running", ...; "" for a value outside the enum.
const char* StatusName(StatusCode code);

// Success, Failure and Cancelled: the operation will not change again.
bool IsFinal(StatusCode code);

// Serialised as the bare number.
void to_json(nlohmann::json& j, StatusCode code);
void from_json(const nlohmann::json& j, StatusCode& code);

}  // namespace nest::core::api
