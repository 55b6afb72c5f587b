// The image cache policy (seed post 1, lxd-spec §1.4–§1.5), as pure decisions
// over a snapshot of the image store and a clock reading passed in, so tests
// move time by days without sleeping.
//
// The rules:
//  - expiry: a *cached* image whose last use (last_used_at, else uploaded_at)
//    is more than images.remote_cache_expiry days before now is removed; 0
//    days disables expiry. Explicit images (cached=false) never expire.
//  - superseded: a cached image with no alias whose update source (server,
//    protocol, alias) has a newer image in the store is an old version; it is
//    removed (LXD #3698, #6890: no pile-up of alias-less old versions). An
//    auto-update that replaces an image still in use marks the old one cached
//    so it is collected this way once unused.
//  - in use: an image that a container was created from is never removed,
//    whatever the rules above say; it is collected once unused.
//  - update checks: an auto_update image with an update source is due for a
//    check once images.auto_update_interval hours have passed since its last
//    check (never checked: at once); 0 hours disables every check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nest::core {

inline constexpr int64_t kNanosPerHour = 3600LL * 1000000000LL;
inline constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

// What the policy needs to know about one image. Times are unix nanoseconds,
// 0 = unset.
struct CachedImage {
  std::string fingerprint;
  bool cached = false;
  bool auto_update = false;
  int64_t uploaded_at = 0;
  int64_t last_used_at = 0;
  int64_t last_checked_at = 0;
  // The update source; all empty for an image not downloaded by alias.
  std::string source_server;
  std::string source_protocol;
  std::string source_alias;
  int alias_count = 0;
  int users = 0;  // containers created from it
};

enum class RemovalReason { kExpired, kSuperseded };

struct Removal {
  std::string fingerprint;
  RemovalReason reason;
  std::string detail;  // "unused since …" or "superseded by <fp>"
};

// The images to remove now. Never lists an image with users.
std::vector<Removal> ImagesToCollect(const std::vector<CachedImage>& images, int64_t now,
                                     int64_t expiry_days);

// When a cached image expires if it stays unused (0: never — not cached, or
// expiry disabled). Shown by `image info`.
int64_t CacheExpiresAt(const CachedImage& image, int64_t expiry_days);

// Whether image is due for an update check at now.
bool UpdateCheckDue(const CachedImage& image, int64_t now, int64_t interval_hours);

// When the next check of image is due (0: never — not auto_update, no source,
// or checks disabled).
int64_t NextUpdateCheckAt(const CachedImage& image, int64_t interval_hours);

// The images a check at now covers, in fingerprint order.
std::vector<std::string> ImagesDueForUpdate(const std::vector<CachedImage>& images, int64_t now,
                                            int64_t interval_hours);

}  // namespace nest::core
