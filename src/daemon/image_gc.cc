#include "daemon/image_gc.h"

#include <mutex>

#include "base/log.h"
#include "core/server_config.h"
#include "storage/image_import.h"

namespace nest::daemon {

core::CachedImage PolicyFacts(const db::ImageRecord& image, int users) {
  core::CachedImage c;
  c.fingerprint = image.fingerprint;
  c.cached = image.cached;
  c.auto_update = image.auto_update;
  c.uploaded_at = image.uploaded_at;
  c.last_used_at = image.last_used_at;
  c.last_checked_at = image.last_checked_at;
  c.source_server = image.update_source.server;
  c.source_protocol = image.update_source.protocol;
  c.source_alias = image.update_source.alias;
  c.alias_count = static_cast<int>(image.aliases.size());
  c.users = users;
  return c;
}

base::Result<std::vector<core::CachedImage>> CachePolicyView(Context& ctx) {
  auto images = TRY(ctx.db->ListImages());
  std::vector<core::CachedImage> view;
  view.reserve(images.size());
  for (const auto& image : images) {
    auto users = TRY(ctx.db->InstancesUsingImage(image.fingerprint));
    view.push_back(PolicyFacts(image, static_cast<int>(users.size())));
  }
  return view;
}

base::Result<nlohmann::json> CollectImages(Context& ctx) {
  nlohmann::json removed = nlohmann::json::array();
  std::vector<std::string> files;
  {
    std::unique_lock lock(ctx.image_use_mu);
    auto config = TRY(ctx.db->GetConfig());
    int64_t expiry_days = core::GetInt(config, "images.remote_cache_expiry");
    auto view = TRY(CachePolicyView(ctx));
    for (const auto& r : core::ImagesToCollect(view, ctx.clock.Now(), expiry_days)) {
      TRY_CTX(ctx.db->DeleteImage(r.fingerprint), "deleting image " + r.fingerprint);
      base::LogInfo("image " + r.fingerprint.substr(0, 12) + " removed: " + r.detail);
      removed.push_back(
          {{"fingerprint", r.fingerprint},
           {"reason", r.reason == core::RemovalReason::kExpired ? "expired" : "superseded"},
           {"detail", r.detail}});
      files.push_back(r.fingerprint);
    }
  }
  // Rows go first: a failure here leaves only files without a row, which the
  // next start removes (storage::RemoveUnknownImages).
  for (const auto& fp : files) {
    if (auto s = storage::RemoveImageFiles(ctx.paths.Images(), fp); !s) {
      base::LogWarn("removing the files of image " + fp + ": " + s.error().message());
    }
    ctx.events->PublishLifecycle("image-deleted", "/1.0/images/" + fp);
  }
  return nlohmann::json{{"removed", removed}};
}

}  // namespace nest::daemon
