#include "core/cache_policy.h"

#include <map>
#include <tuple>

#include "core/time_format.h"

namespace nest::core {
namespace {

bool HasSource(const CachedImage& image) { return !image.source_alias.empty(); }

int64_t LastUse(const CachedImage& image) {
  return image.last_used_at ? image.last_used_at : image.uploaded_at;
}

using SourceKey = std::tuple<std::string, std::string, std::string>;

SourceKey KeyOf(const CachedImage& image) {
  return {image.source_server, image.source_protocol, image.source_alias};
}

// Newest image per update source: the latest upload, ties broken by
// fingerprint so the choice never depends on listing order.
std::map<SourceKey, const CachedImage*> NewestPerSource(const std::vector<CachedImage>& images) {
  std::map<SourceKey, const CachedImage*> newest;
  for (const auto& image : images) {
    if (!HasSource(image)) continue;
    auto& best = newest[KeyOf(image)];
    if (!best || image.uploaded_at > best->uploaded_at ||
        (image.uploaded_at == best->uploaded_at && image.fingerprint > best->fingerprint)) {
      best = &image;
    }
  }
  return newest;
}

}  // namespace

int64_t CacheExpiresAt(const CachedImage& image, int64_t expiry_days) {
  if (!image.cached || expiry_days <= 0) return 0;
  return LastUse(image) + expiry_days * kNanosPerDay;
}

std::vector<Removal> ImagesToCollect(const std::vector<CachedImage>& images, int64_t now,
                                     int64_t expiry_days) {
  auto newest = NewestPerSource(images);
  std::vector<Removal> out;
  for (const auto& image : images) {
    if (image.users > 0) continue;
    if (image.cached && HasSource(image) && image.alias_count == 0) {
      const CachedImage* best = newest[KeyOf(image)];
      if (best != &image) {
        out.push_back({image.fingerprint, RemovalReason::kSuperseded,
                       "superseded by " + best->fingerprint.substr(0, 12) + " (" +
                           image.source_server + " " + image.source_alias + ")"});
        continue;
      }
    }
    int64_t expires = CacheExpiresAt(image, expiry_days);
    if (expires != 0 && expires < now) {
      out.push_back({image.fingerprint, RemovalReason::kExpired,
                     "cached and unused since " + FormatRfc3339(LastUse(image)) + " (" +
                         std::to_string(expiry_days) + " day expiry)"});
    }
  }
  return out;
}

int64_t NextUpdateCheckAt(const CachedImage& image, int64_t interval_hours) {
  if (interval_hours <= 0 || !image.auto_update || !HasSource(image)) return 0;
  return image.last_checked_at + interval_hours * kNanosPerHour;
}

bool UpdateCheckDue(const CachedImage& image, int64_t now, int64_t interval_hours) {
  int64_t next = NextUpdateCheckAt(image, interval_hours);
  return next != 0 && next <= now;
}

std::vector<std::string> ImagesDueForUpdate(const std::vector<CachedImage>& images, int64_t now,
                                            int64_t interval_hours) {
  std::map<std::string, bool> due;
  for (const auto& image : images) {
    if (UpdateCheckDue(image, now, interval_hours)) due[image.fingerprint] = true;
  }
  std::vector<std::string> out;
  for (const auto& [fp, _] : due) out.push_back(fp);
  return out;
}

}  // namespace nest::core
