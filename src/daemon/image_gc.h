// The image collector (`nest admin run-task image-expiry`, and the scheduler):
// applies core/cache_policy to the store — cached images unused for
// images.remote_cache_expiry days and superseded old versions are removed,
// images in use never.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "base/result.h"
#include "core/cache_policy.h"
#include "daemon/context.h"

namespace nest::daemon {

// The store as the cache policy sees it: every image with its alias count and
// the number of containers created from it.
base::Result<std::vector<core::CachedImage>> CachePolicyView(Context& ctx);
core::CachedImage PolicyFacts(const db::ImageRecord& image, int users);

// Removes what the policy says to remove at ctx.clock.Now(): the row (and its
// aliases), then the files; publishes image-deleted for each. Returns
// {"removed": [{"fingerprint", "reason"}...]}. Holds ctx.image_use_mu
// exclusively while deciding and deleting rows.
base::Result<nlohmann::json> CollectImages(Context& ctx);

}  // namespace nest::daemon
