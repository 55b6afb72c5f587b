#include "core/instance_copy.h"

#include "base/strings.h"

namespace nest::core {
namespace {

constexpr std::string_view kVolatile = "volatile.";
// Volatile keys a local copy keeps from its source.
constexpr std::string_view kKeptVolatile[] = {"volatile.base_image", "volatile.storage.driver"};

bool KeptFromSource(std::string_view key) {
  if (!base::StartsWith(key, kVolatile)) return true;
  for (std::string_view kept : kKeptVolatile) {
    if (key == kept) return true;
  }
  return false;
}

}  // namespace

InstanceCopyPlan PlanInstanceCopy(const InstanceCopySource& source,
                                  const InstanceCopyRequest& request) {
  InstanceCopyPlan plan;
  for (const auto& [key, value] : request.config) {
    if (!base::StartsWith(key, kVolatile)) plan.config[key] = value;
  }
  for (const auto& [key, value] : source.config) {
    if (KeptFromSource(key)) plan.config.try_emplace(key, value);
  }
  // The source's, whatever the request says: the copy's tree is the source's.
  for (std::string_view kept : kKeptVolatile) {
    auto it = source.config.find(std::string(kept));
    if (it != source.config.end()) plan.config[it->first] = it->second;
  }
  plan.config["volatile.apply_template"] = "copy";
  plan.devices = request.devices;
  for (const auto& [name, device] : source.devices) plan.devices.try_emplace(name, device);
  plan.profiles = request.profiles ? *request.profiles : source.profiles;
  return plan;
}

}  // namespace nest::core
