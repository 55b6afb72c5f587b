// The server configuration schema (`nest config set key=value`, PUT/PATCH /1.0).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

using ConfigMap = std::map<std::string, std::string>;

// Known keys, sorted.
std::vector<std::string> ServerKeys();

// Checks one key=value. An empty value means "unset" and is always valid for a
// known key. Returns kInvalid for an unknown key (listing the known ones) or a
// value of the wrong form (saying what is expected).
base::Status ValidateServerKey(std::string_view key, std::string_view value);

// ValidateServerKey on every entry.
base::Status ValidateServerConfig(const ConfigMap& config);

// The default of a known key; "" for an unknown one.
std::string DefaultValue(std::string_view key);

// `stored` plus the default of every known key not set (or set to "") in it.
// GET /1.0 shows only the stored set, as LXD does; this is for decisions.
ConfigMap Effective(const ConfigMap& stored);

// Typed reads of a known key's effective value (stored, else default). A
// stored value that does not parse yields the default's value; stored config
// is validated on write, so that only happens for hand-edited databases.
bool GetBool(const ConfigMap& stored, std::string_view key);
int64_t GetInt(const ConfigMap& stored, std::string_view key);
int64_t GetSize(const ConfigMap& stored, std::string_view key);

// core.remote_token_expiry's form (LXD's): "<n><unit>", unit S seconds,
// M minutes, H hours, d days, w weeks. Errors: kInvalid saying what is expected.
base::Result<int64_t> ParseExpirySeconds(std::string_view value);

}  // namespace nest::core
