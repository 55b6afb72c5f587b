// ETags as LXD computes them: a hash over the writable part of a resource.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nest::daemon {

// Lowercase hex sha256 of the JSON text of `writable`.
std::string Etag(const nlohmann::json& writable);

}  // namespace nest::daemon
