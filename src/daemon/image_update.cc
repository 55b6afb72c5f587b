#include "daemon/image_update.h"

#include <mutex>

#include "base/log.h"
#include "core/server_config.h"
#include "daemon/image_gc.h"
#include "storage/image_import.h"

namespace nest::daemon {
namespace {

std::string Short(const std::string& fp) { return fp.substr(0, 12); }

std::string SourceText(const db::ImageSource& s) {
  return s.server + " (" + s.protocol + ") alias \"" + s.alias + "\"";
}

// The swap, in one transaction. Returns whether the old image was kept.
base::Result<bool> Swap(Context& ctx, const db::ImageRecord& old_image, bool fresh_existed,
                        const std::string& new_fp, int64_t now) {
  bool kept = false;
  TRY(ctx.db->InTransaction([&]() -> base::Status {
    auto fresh = TRY(ctx.db->GetImage(new_fp));
    fresh.cached = fresh_existed ? fresh.cached && old_image.cached : old_image.cached;
    fresh.is_public = fresh.is_public || old_image.is_public;
    fresh.auto_update = true;
    fresh.update_source = old_image.update_source;
    fresh.last_used_at = std::max(fresh.last_used_at, old_image.last_used_at);
    fresh.last_checked_at = now;
    TRY(ctx.db->UpdateImage(fresh));
    for (const auto& name : old_image.aliases) {
      auto alias = TRY(ctx.db->GetAlias(name));
      alias.fingerprint = new_fp;
      TRY(ctx.db->UpdateAlias(alias));
    }
    auto users = TRY(ctx.db->InstancesUsingImage(old_image.fingerprint));
    if (users.empty()) return ctx.db->DeleteImage(old_image.fingerprint);
    kept = true;
    db::ImageRecord old = TRY(ctx.db->GetImage(old_image.fingerprint));
    old.cached = true;
    old.auto_update = false;
    return ctx.db->UpdateImage(old);
  }));
  return kept;
}

}  // namespace

base::Result<RefreshResult> RefreshImage(Context& ctx, ImageFetcher& fetcher,
                                         const std::string& fingerprint, ops::Operation* op) {
  auto image = TRY(ctx.db->GetImage(fingerprint));
  const db::ImageSource& source = image.update_source;
  if (source.alias.empty() || source.server.empty()) {
    return base::Error::Invalid("image " + Short(fingerprint) +
                                " has no update source: it was not copied from a remote by alias");
  }
  RefreshResult result{false, fingerprint, fingerprint, false};
  int64_t now = ctx.clock.Now();
  auto mark_checked = [&] {
    if (auto img = ctx.db->GetImage(fingerprint)) {
      img->last_checked_at = now;
      (void)ctx.db->UpdateImage(*img);
    }
  };
  auto latest = fetcher.Resolve(source);
  if (!latest) {
    mark_checked();
    return std::move(latest).error().Context("checking image " + Short(fingerprint) + " against " +
                                             SourceText(source));
  }
  if (*latest == fingerprint) {
    mark_checked();
    return result;
  }
  bool fresh_existed = static_cast<bool>(ctx.db->GetImage(*latest));
  auto fetched = fetcher.Fetch(source, *latest, op);
  if (!fetched) {
    mark_checked();
    return std::move(fetched).error().Context("downloading " + Short(*latest) + " from " +
                                              SourceText(source) + " (image " + Short(fingerprint) +
                                              " unchanged)");
  }
  bool kept = false;
  {
    std::unique_lock lock(ctx.image_use_mu);
    kept = TRY(Swap(ctx, image, fresh_existed, *latest, now));
  }
  if (!kept) {
    if (auto s = storage::RemoveImageFiles(ctx.paths.Images(), fingerprint); !s) {
      base::LogWarn("removing the files of image " + fingerprint + ": " + s.error().message());
    }
    ctx.events->PublishLifecycle("image-deleted", "/1.0/images/" + fingerprint);
  }
  base::LogInfo("image " + Short(fingerprint) + " refreshed to " + Short(*latest) + " from " +
                SourceText(source) + (kept ? " (old version kept: still in use)" : ""));
  result.refreshed = true;
  result.new_fingerprint = *latest;
  result.old_kept = kept;
  return result;
}

base::Result<nlohmann::json> UpdateImages(Context& ctx, ImageFetcher* fetcher) {
  auto config = TRY(ctx.db->GetConfig());
  int64_t interval = core::GetInt(config, "images.auto_update_interval");
  auto view = TRY(CachePolicyView(ctx));
  nlohmann::json checked = nlohmann::json::array(), refreshed = nlohmann::json::array(),
                 failed = nlohmann::json::array();
  // Builtin images are made here, not fetched: there is no remote to check.
  std::erase_if(view, [](const core::CachedImage& i) { return i.source_protocol == "builtin"; });
  for (const auto& fp : core::ImagesDueForUpdate(view, ctx.clock.Now(), interval)) {
    checked.push_back(fp);
    if (!fetcher) {
      failed.push_back({{"fingerprint", fp}, {"error", "no image downloader configured"}});
      continue;
    }
    auto r = RefreshImage(ctx, *fetcher, fp, nullptr);
    if (!r) {
      base::LogWarn(r.error().message());
      failed.push_back({{"fingerprint", fp}, {"error", r.error().message()}});
    } else if (r->refreshed) {
      refreshed.push_back(
          {{"old", r->old_fingerprint}, {"new", r->new_fingerprint}, {"old_kept", r->old_kept}});
      ctx.events->PublishLifecycle("image-refreshed", "/1.0/images/" + fp);
    }
  }
  return nlohmann::json{{"interval_hours", interval},
                        {"checked", checked},
                        {"refreshed", refreshed},
                        {"failed", failed}};
}

}  // namespace nest::daemon
