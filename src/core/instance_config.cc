#include "core/instance_config.h"

#include "base/strings.h"
#include "core/size.h"

namespace nest::core {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == s.npos;
}

bool PositiveNumber(std::string_view s) {
  long long n = 0;
  return AllDigits(s) && base::ParseInt64(s, &n) && n > 0;
}

bool ValidMemory(std::string_view v) {
  if (base::EndsWith(v, "%")) {
    long long n = 0;
    std::string_view number = v.substr(0, v.size() - 1);
    return AllDigits(number) && base::ParseInt64(number, &n) && n >= 1 && n <= 100;
  }
  base::Result<int64_t> size = ParseByteSize(v);
  return size.ok() && size.value() > 0;
}

// "2" (a count) or a CPU set "0-3,6,8-9".
bool ValidCpu(std::string_view v) {
  if (PositiveNumber(v)) return true;
  for (const std::string& part : base::Split(v, ',')) {
    std::vector<std::string> ends = base::Split(part, '-');
    long long lo = 0, hi = 0;
    if (ends.size() == 1) {
      if (!AllDigits(ends[0])) return false;
    } else if (ends.size() == 2) {
      if (!AllDigits(ends[0]) || !AllDigits(ends[1]) || !base::ParseInt64(ends[0], &lo) ||
          !base::ParseInt64(ends[1], &hi) || lo > hi) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

base::Error BadValue(std::string_view key, std::string_view value, const char* expected) {
  return base::Error::Invalid("invalid value \"" + std::string(value) + "\" for " +
                              std::string(key) + ": expected " + expected);
}

constexpr std::string_view kFreePrefixes[] = {"environment.", "user.", "image.", "volatile."};

}  // namespace

base::Status ValidateInstanceConfigKey(std::string_view key, std::string_view value) {
  for (std::string_view prefix : kFreePrefixes) {
    if (base::StartsWith(key, prefix) && key.size() > prefix.size()) return base::Ok();
  }
  if (key == "security.nesting" || key == "security.privileged" || key == "boot.autostart") {
    if (value.empty() || ParseBool(value)) return base::Ok();
    return BadValue(key, value, "true or false");
  }
  if (key == "limits.memory") {
    if (value.empty() || ValidMemory(value)) return base::Ok();
    return BadValue(key, value, "a size such as 512MiB or a percentage such as 50%");
  }
  if (key == "limits.cpu") {
    if (value.empty() || ValidCpu(value)) return base::Ok();
    return BadValue(key, value, "a number of CPUs such as 2 or a CPU set such as 0-3,6");
  }
  if (key == "limits.processes") {
    if (value.empty() || PositiveNumber(value)) return base::Ok();
    return BadValue(key, value, "a whole number greater than 0");
  }
  if (key == "raw.idmap") return base::Ok();
  return base::Error::Invalid("unknown instance configuration key \"" + std::string(key) + "\"");
}

base::Status ValidateInstanceConfig(const InstanceConfig& config) {
  for (const auto& [key, value] : config) TRY(ValidateInstanceConfigKey(key, value));
  return base::Ok();
}

InstanceConfig ExpandConfig(const std::vector<InstanceConfig>& profile_configs_in_order,
                            const InstanceConfig& local) {
  InstanceConfig out;
  auto apply = [&out](const InstanceConfig& layer) {
    for (const auto& [key, value] : layer) out[key] = value;
  };
  for (const InstanceConfig& profile : profile_configs_in_order) apply(profile);
  apply(local);
  std::erase_if(out, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

Devices ExpandDevices(const std::vector<Devices>& profile_devices_in_order, const Devices& local) {
  Devices out;
  for (const Devices& profile : profile_devices_in_order) {
    for (const auto& [name, device] : profile) out[name] = device;
  }
  for (const auto& [name, device] : local) out[name] = device;
  return out;
}

}  // namespace nest::core
