#include "core/server_config.h"

#include <cstdint>
#include <optional>

#include "base/strings.h"
#include "core/config_bool.h"
#include "core/size.h"

namespace nest::core {
namespace {

enum class KeyType { kBool, kHours, kDays, kAddress, kSize, kStorageDriver, kExpiry };

struct KeySpec {
  std::string_view name;
  KeyType type;
  std::string_view default_value;
};

constexpr KeySpec kKeys[] = {
    {"core.https_address", KeyType::kAddress, ""},
    {"core.remote_token_expiry", KeyType::kExpiry, ""},
    {"images.auto_update_cached", KeyType::kBool, "true"},
    {"images.auto_update_interval", KeyType::kHours, "6"},
    {"images.max_unpacked_size", KeyType::kSize, "10GiB"},
    {"images.remote_cache_expiry", KeyType::kDays, "10"},
    {"storage.driver", KeyType::kStorageDriver, "overlay"},
};

const KeySpec* Find(std::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (spec.name == key) return &spec;
  }
  return nullptr;
}

std::optional<int64_t> ParseWholeNumber(std::string_view value) {
  if (value.empty() || value.find_first_not_of("0123456789") != value.npos) return std::nullopt;
  long long n = 0;
  if (!base::ParseInt64(value, &n)) return std::nullopt;
  return n;
}

bool ValidPort(std::string_view port) {
  std::optional<int64_t> n = ParseWholeNumber(port);
  return n && *n >= 1 && *n <= 65535;
}

bool ValidHost(std::string_view host) {
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "host", "host:port", ":port", "[v6]", "[v6]:port".
bool ValidAddress(std::string_view value) {
  if (value.front() == '[') {
    size_t close = value.find(']');
    if (close == value.npos || close == 1) return false;
    std::string_view v6 = value.substr(1, close - 1);
    if (v6.find_first_not_of("0123456789abcdefABCDEF:.%") != v6.npos) return false;
    std::string_view rest = value.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && ValidPort(rest.substr(1)));
  }
  size_t colon = value.rfind(':');
  if (colon == value.npos) return ValidHost(value);
  return ValidHost(value.substr(0, colon)) && ValidPort(value.substr(colon + 1));
}

std::string Expected(KeyType type) {
  switch (type) {
    case KeyType::kBool:
      return "expected true or false";
    case KeyType::kHours:
      return "expected a whole number of hours (0 disables the checks)";
    case KeyType::kDays:
      return "expected a whole number of days (0 disables expiry)";
    case KeyType::kAddress:
      return "expected host:port, [ipv6]:port, :port or empty";
    case KeyType::kSize:
      return "expected a size in bytes greater than 0, e.g. 10GiB, 512MiB or 1000000";
    case KeyType::kStorageDriver:
      return "expected overlay or dir";
    case KeyType::kExpiry:
      return "expected a duration: a number and a unit S, M, H, d or w, e.g. 30M or 1d";
  }
  return "";
}

bool ValidValue(KeyType type, std::string_view value) {
  switch (type) {
    case KeyType::kBool:
      return ParseBool(value).has_value();
    case KeyType::kHours:
    case KeyType::kDays:
      return ParseWholeNumber(value).has_value();
    case KeyType::kAddress:
      return ValidAddress(value);
    case KeyType::kSize: {
      base::Result<int64_t> n = ParseByteSize(value);
      return n.ok() && n.value() > 0;
    }
    case KeyType::kStorageDriver:
      return value == "overlay" || value == "dir";
    case KeyType::kExpiry:
      return ParseExpirySeconds(value).ok();
  }
  return false;
}

std::string EffectiveValue(const ConfigMap& stored, std::string_view key) {
  auto it = stored.find(std::string(key));
  if (it != stored.end() && !it->second.empty()) return it->second;
  return DefaultValue(key);
}

}  // namespace

base::Result<int64_t> ParseExpirySeconds(std::string_view value) {
  auto bad = [&] {
    return base::Error::Invalid("invalid expiry \"" + std::string(value) +
                                "\": " + Expected(KeyType::kExpiry));
  };
  if (value.size() < 2) return bad();
  long long n = 0;
  if (!base::ParseInt64(value.substr(0, value.size() - 1), &n) || n <= 0) return bad();
  int64_t unit;
  switch (value.back()) {
    case 'S':
      unit = 1;
      break;
    case 'M':
      unit = 60;
      break;
    case 'H':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return bad();
  }
  if (n > INT64_MAX / unit) return bad();
  return static_cast<int64_t>(n) * unit;
}

std::vector<std::string> ServerKeys() {
  std::vector<std::string> keys;
  for (const KeySpec& spec : kKeys) keys.emplace_back(spec.name);
  return keys;
}

base::Status ValidateServerKey(std::string_view key, std::string_view value) {
  const KeySpec* spec = Find(key);
  if (!spec) {
    return base::Error::Invalid("unknown server configuration key \"" + std::string(key) +
                                "\" (known keys: " + base::Join(ServerKeys(), ", ") + ")");
  }
  if (value.empty() || ValidValue(spec->type, value)) return base::Ok();
  return base::Error::Invalid("invalid value \"" + std::string(value) + "\" for " +
                              std::string(key) + ": " + Expected(spec->type));
}

base::Status ValidateServerConfig(const ConfigMap& config) {
  for (const auto& [key, value] : config) TRY(ValidateServerKey(key, value));
  return base::Ok();
}

std::string DefaultValue(std::string_view key) {
  const KeySpec* spec = Find(key);
  return spec ? std::string(spec->default_value) : std::string();
}

ConfigMap Effective(const ConfigMap& stored) {
  ConfigMap out;
  for (const auto& [key, value] : stored) {
    if (!value.empty()) out[key] = value;
  }
  for (const KeySpec& spec : kKeys) out.try_emplace(std::string(spec.name), spec.default_value);
  return out;
}

bool GetBool(const ConfigMap& stored, std::string_view key) {
  std::optional<bool> v = ParseBool(EffectiveValue(stored, key));
  if (!v) v = ParseBool(DefaultValue(key));
  return v.value_or(false);
}

int64_t GetInt(const ConfigMap& stored, std::string_view key) {
  std::optional<int64_t> v = ParseWholeNumber(EffectiveValue(stored, key));
  if (!v) v = ParseWholeNumber(DefaultValue(key));
  return v.value_or(0);
}

int64_t GetSize(const ConfigMap& stored, std::string_view key) {
  base::Result<int64_t> v = ParseByteSize(EffectiveValue(stored, key));
  if (v.ok()) return v.value();
  return ParseByteSize(DefaultValue(key)).value_or(0);
}

}  // namespace nest::core
