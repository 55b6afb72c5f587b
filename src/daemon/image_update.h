// Image refresh (lxd-spec §1.5–§1.6, done transactionally): check an image
// against its update source; when the source alias now names another
// fingerprint, fetch and verify the new image first, then in one database
// transaction move the aliases, carry cached, public and last use over, and
// retire the old image — deleted when no container uses it, else kept (marked
// cached, auto_update off) until the collector finds it unused. A failed
// fetch changes nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "daemon/context.h"
#include "daemon/image_fetcher.h"

namespace nest::daemon {

struct RefreshResult {
  bool refreshed = false;
  std::string old_fingerprint;
  std::string new_fingerprint;  // == old when up to date
  bool old_kept = false;        // still used by containers
};

// `nest image refresh`: needs an update source; ignores the interval and the
// image's auto_update flag, as LXD. Records last_checked_at.
base::Result<RefreshResult> RefreshImage(Context& ctx, ImageFetcher& fetcher,
                                         const std::string& fingerprint, ops::Operation* op);

// The image-update task: RefreshImage for every image the cache policy says is
// due at ctx.clock.Now() (none when images.auto_update_interval is 0: no
// traffic at all). A failure is reported per image and does not stop the
// others. Returns {"checked": [...], "refreshed": [...], "failed": [...]}.
base::Result<nlohmann::json> UpdateImages(Context& ctx, ImageFetcher* fetcher);

}  // namespace nest::daemon
