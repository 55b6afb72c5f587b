// What a local copy of an instance (POST /1.0/instances, source.type "copy")
// is made of, as LXD decides it (createFromCopy, InstanceIncludeWhenCopying):
// the request's fields first, the source's fill the gaps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/instance_config.h"

namespace nest::core {

struct InstanceCopySource {
  InstanceConfig config;  // the source's own (not expanded) config
  Devices devices;        // the source's own devices
  std::vector<std::string> profiles;
};

struct InstanceCopyRequest {
  InstanceConfig config;
  Devices devices;
  std::optional<std::vector<std::string>> profiles;  // absent: the source's
};

struct InstanceCopyPlan {
  InstanceConfig config;
  Devices devices;
  std::vector<std::string> profiles;
};

// config: the request's keys, then the source's keys the request does not set.
//   volatile.* keys are the daemon's: any in the request are dropped; of the
//   source's only volatile.base_image and volatile.storage.driver are kept (the
//   copy shares the source's image and storage driver); every other volatile
//   key (idmaps, last state, addresses: what must be unique or describes the
//   source's own history) is left out, and volatile.apply_template is "copy",
//   so the image's templates with the "copy" trigger run at the first start and
//   "create" ones do not run again.
// devices: the request's, then the source's devices of other names, whole.
// profiles: the request's when given (even empty), else the source's.
InstanceCopyPlan PlanInstanceCopy(const InstanceCopySource& source,
                                  const InstanceCopyRequest& request);

}  // namespace nest::core
