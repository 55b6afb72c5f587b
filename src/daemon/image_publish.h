// POST /1.0/images with a JSON body whose source is {"type": "container" |
// "instance", "name": N}: LXD's publish of a stopped instance as an image.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/context.h"
#include "daemon/http/response.h"
#include "daemon/instances.h"

namespace nest::daemon {

// Body (ImagesPost): source.name, public, filename, properties (strings),
// aliases [{name, description}]. Refused at once: a missing instance (404), a
// running one (409), bad fields (400). Otherwise an operation that packs the
// instance (InstanceManager::Publish) into images/.tmp-publish-*, imports it
// as a normal (not cached) image and creates the aliases; its metadata on
// success is {"fingerprint": fp, "size": "<bytes>"}, as an upload's.
http::Response PostPublish(Context& ctx, InstanceManager& im, const nlohmann::json& body);

}  // namespace nest::daemon
