// The instance configuration schema and profile expansion.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/config_bool.h"

namespace nest::core {

using InstanceConfig = std::map<std::string, std::string>;
using Device = std::map<std::string, std::string>;
using Devices = std::map<std::string, Device>;

// Known keys:
//   security.nesting, security.privileged, boot.autostart   bool
//   limits.memory      size ("512MiB") or percent of host memory ("50%")
//   limits.cpu         number of CPUs ("2") or CPU set ("0-3,6")
//   limits.processes   whole number > 0
//   raw.idmap          free text, stored only
//   environment.*, user.*, image.*, volatile.*   any value
// An empty value means "unset" and is valid for any known key.
// Returns kInvalid naming the key and what was expected.
base::Status ValidateInstanceConfigKey(std::string_view key, std::string_view value);

// ValidateInstanceConfigKey on every entry; the first error is returned.
base::Status ValidateInstanceConfig(const InstanceConfig& config);

// Profiles applied in order (later overrides earlier), then `local` over all.
// Keys whose winning value is "" are dropped.
InstanceConfig ExpandConfig(const std::vector<InstanceConfig>& profile_configs_in_order,
                            const InstanceConfig& local);

// As ExpandConfig, per device name: a later device replaces an earlier one of
// the same name as a whole (LXD does not merge device keys).
Devices ExpandDevices(const std::vector<Devices>& profile_devices_in_order, const Devices& local);

}  // namespace nest::core
