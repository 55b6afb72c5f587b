#include "daemon/image_download.h"

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "base/log.h"
#include "base/reverter.h"
#include "core/config_bool.h"
#include "core/server_config.h"
#include "daemon/image_upload.h"
#include "daemon/ops/operations.h"
#include "daemon/remote_source.h"
#include "storage/image_import.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using base::Error;
using SteadyClock = std::chrono::steady_clock;

// LXD's units.GetByteSizeString(n, 2): decimal units.
std::string DecimalBytes(double n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (n >= 1000 && u < 4) {
    n /= 1000;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%.0fB", n);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f%s", n, units[u]);
  }
  return buf;
}

// Publishes "download_progress" as LXD does ("rootfs: 45% (3.10MB/s)"), at
// most every 200 ms and on every new percent.
class ProgressPublisher {
 public:
  explicit ProgressPublisher(ops::Operation* op) : op_(op) {}

  void operator()(const std::string& what, int64_t done, int64_t total) {
    if (!op_) return;
    auto now = SteadyClock::now();
    if (what != what_) {
      what_ = what;
      started_ = now;
      last_percent_ = -1;
    }
    int percent = total > 0 ? static_cast<int>(done * 100 / total) : 0;
    if (percent == last_percent_ && now - last_ < std::chrono::milliseconds(200)) return;
    double secs = std::chrono::duration<double>(now - started_).count();
    double speed = secs > 0 ? static_cast<double>(done) / secs : 0;
    std::string text = what + ": " + std::to_string(percent) + "% (" + DecimalBytes(speed) + "/s)";
    // LXD's text for its clients, and the numbers for nest's progress bar.
    op_->UpdateMetadata({{"download_progress", text},
                         {"progress",
                          {{"stage", what},
                           {"percent", std::to_string(percent)},
                           {"processed", std::to_string(done)},
                           {"total", std::to_string(total)},
                           {"speed", std::to_string(static_cast<int64_t>(speed))}}}});
    last_ = now;
    last_percent_ = percent;
  }

 private:
  ops::Operation* op_;
  std::string what_;
  SteadyClock::time_point started_;
  SteadyClock::time_point last_;
  int last_percent_ = -1;
};

std::mutex& DownloadMutex() {
  static std::mutex mu;
  return mu;
}

// The newest local image recorded as coming from (server, protocol, alias).
base::Result<db::ImageRecord> LocalCopy(Context& ctx, const RemoteImageRequest& req) {
  auto images = TRY(ctx.db->ListImages());
  const db::ImageRecord* best = nullptr;
  for (const auto& img : images) {
    const auto& s = img.update_source;
    if (s.server != req.server || s.protocol != req.protocol || s.alias != req.alias) continue;
    if (img.architecture != ctx.architecture) continue;
    if (!ctx.images->Has(img.fingerprint)) continue;
    if (!best || img.uploaded_at > best->uploaded_at) best = &img;
  }
  if (!best) return Error::NotFound("no local copy");
  return *best;
}

// Downloads `remote` into the store and records it. Nothing is left on error.
base::Status Download(Context& ctx, RemoteSource& source, const RemoteImage& remote,
                      const RemoteImageRequest& req, const PullOptions& options,
                      ops::Operation* op) {
  if (remote.architecture != ctx.architecture) {
    return Error::Invalid("image " + remote.fingerprint.substr(0, 12) + " is for " +
                          remote.architecture + ", this host runs " + ctx.architecture);
  }
  std::string images = ctx.paths.Images();
  TRY(sys::MkdirAll(images, 0700));
  std::string dir = images + "/.tmp-download-XXXXXX";
  if (!::mkdtemp(dir.data())) return Error::FromErrno("mkdtemp " + dir, errno);
  base::Reverter revert;
  revert.Add([dir] { (void)sys::RemoveAll(dir); });

  ProgressPublisher progress(op);
  DownloadedFiles files = TRY(source.Download(remote, dir, std::ref(progress)));
  if (op) op->UpdateMetadata({{"download_progress", "unpacking"}, {"progress", nullptr}});
  UploadedImage up;
  up.dir = dir;
  up.metadata_path = files.image;
  up.rootfs_path = files.rootfs;
  storage::ImportedImage imported =
      TRY_CTX(ImportUpload(ctx, up), "importing the downloaded image");
  revert.Add([&ctx, fp = imported.stored.fingerprint] {
    (void)storage::RemoveImageFiles(ctx.paths.Images(), fp);
  });
  if (imported.stored.fingerprint != remote.fingerprint) {
    return Error::Invalid("the downloaded image's fingerprint is " + imported.stored.fingerprint +
                          ", the remote announced " + remote.fingerprint);
  }
  bool by_alias = !req.alias.empty();
  auto config = TRY(ctx.db->GetConfig());
  int64_t now = ctx.clock.Now();
  db::ImageRecord rec;
  rec.fingerprint = remote.fingerprint;
  rec.filename = remote.filename.empty() ? imported.stored.filename : remote.filename;
  rec.size = imported.stored.size;
  rec.is_public = !options.cached && options.is_public;
  rec.architecture = imported.stored.architecture;
  rec.created_at = imported.stored.created_at * 1000000000LL;
  int64_t expiry =
      imported.metadata.expiry_date ? imported.metadata.expiry_date : remote.expires_at;
  rec.expires_at = expiry * 1000000000LL;
  rec.uploaded_at = now;
  // A download by alias is a check of that alias: the next one is due an
  // images.auto_update_interval later.
  if (by_alias) rec.last_checked_at = now;
  rec.last_used_at = options.cached ? now : 0;
  rec.cached = options.cached;
  if (by_alias) {
    rec.auto_update =
        options.cached ? core::GetBool(config, "images.auto_update_cached") : options.auto_update;
    rec.update_source = {req.server, req.protocol, req.alias, req.certificate};
  } else {
    rec.auto_update = !options.cached && options.auto_update;
  }
  rec.properties = imported.stored.properties;
  for (const auto& [k, v] : remote.properties) rec.properties[k] = v;
  TRY_CTX(ctx.db->CreateImage(rec), "recording image " + rec.fingerprint);
  revert.Success();
  (void)sys::RemoveAll(dir);
  ctx.events->PublishLifecycle("image-created", "/1.0/images/" + rec.fingerprint,
                               {{"type", "container"}});
  return base::Ok();
}

// The image is already in the store: apply the request's semantics to its row.
base::Status Reuse(Context& ctx, const std::string& fp, const RemoteImageRequest& req,
                   const PullOptions& options) {
  auto rec = TRY(ctx.db->GetImage(fp));
  if (options.cached) return ctx.db->TouchImage(fp, ctx.clock.Now());
  rec.cached = false;
  rec.is_public = options.is_public;
  rec.auto_update = options.auto_update;
  if (!req.alias.empty())
    rec.update_source = {req.server, req.protocol, req.alias, req.certificate};
  TRY(ctx.db->UpdateImage(rec));
  ctx.events->PublishLifecycle("image-updated", "/1.0/images/" + fp);
  return base::Ok();
}

}  // namespace

std::string DescribeAge(int64_t then_ns, int64_t now_ns) {
  double secs = static_cast<double>(now_ns - then_ns) / 1e9;
  if (secs < 0) secs = 0;
  char buf[48];
  if (secs < 3600) {
    std::snprintf(buf, sizeof buf, "%.0f minutes", secs / 60);
  } else if (secs < 86400 * 2) {
    std::snprintf(buf, sizeof buf, "%.1f hours", secs / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f days", secs / 86400);
  }
  return buf;
}

base::Result<PulledImage> PullRemoteImage(Context& ctx, const RemoteImageRequest& request,
                                          const PullOptions& options, ops::Operation* op) {
  RemoteImageRequest req = request;
  // A secret belongs to one image: fetch that one, as LXD does (no alias, so
  // no auto-update source either).
  if (!req.secret.empty() && !req.fingerprint.empty()) req.alias.clear();
  // LXD's client sends a public image's alias in "fingerprint" (so that the
  // server records it for auto-update): anything not hex is an alias, and a
  // hex-looking name ("bb", "cafe") is an alias when the remote has one.
  bool maybe_alias = false;
  if (req.alias.empty() &&
      req.fingerprint.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    req.alias = req.fingerprint;
    req.fingerprint.clear();
  } else if (req.alias.empty() && req.fingerprint.size() < 64) {
    maybe_alias = true;
  }
  std::string what = req.alias.empty() ? req.fingerprint : req.alias;
  std::string ctx_text = "image \"" + what + "\" from " + req.server;
  if (what.empty())
    return Error::Invalid("the image source names neither an alias nor a fingerprint");
  auto source = TRY_CTX(
      OpenRemoteSource({req.server, req.protocol, req.certificate, ctx.architecture, req.secret}),
      ctx_text);
  base::Result<RemoteImage> resolved = base::Error::NotFound("");
  if (maybe_alias) {
    resolved = source->ResolveAlias(req.fingerprint);
    if (resolved) {
      req.alias = req.fingerprint;
      req.fingerprint.clear();
    } else if (resolved.error().kind() == base::ErrorKind::kNotFound) {
      resolved = source->ResolveFingerprint(req.fingerprint);
    }
  } else {
    resolved = req.alias.empty() ? source->ResolveFingerprint(req.fingerprint)
                                 : source->ResolveAlias(req.alias);
  }
  PulledImage out;
  if (!resolved) {
    Error e = std::move(resolved).error();
    // issue #4 point 7 (LXD #2602): a launch works offline from the local copy.
    if (e.kind() == base::ErrorKind::kUnavailable && options.cached && !req.alias.empty()) {
      if (auto local = LocalCopy(ctx, req); local.ok()) {
        out.fingerprint = local->fingerprint;
        out.warning = "the remote " + req.server + " is unreachable (" + e.message() +
                      "): using the local copy of \"" + req.alias + "\", image " +
                      local->fingerprint.substr(0, 12) + " downloaded " +
                      DescribeAge(local->uploaded_at, ctx.clock.Now()) + " ago";
        base::LogWarn(out.warning);
        TRY(ctx.db->TouchImage(local->fingerprint, ctx.clock.Now()));
        if (op) op->UpdateMetadata({{"warning", out.warning}});
        return out;
      }
    }
    e.Context(ctx_text);
    return e;
  }
  out.fingerprint = resolved->fingerprint;
  out.remote_aliases = resolved->aliases;
  std::lock_guard lock(DownloadMutex());
  if (ctx.db->GetImage(out.fingerprint).ok() && ctx.images->Has(out.fingerprint)) {
    TRY_CTX(Reuse(ctx, out.fingerprint, req, options), ctx_text);
    return out;
  }
  TRY_CTX(Download(ctx, *source, *resolved, req, options, op), ctx_text);
  out.downloaded = true;
  return out;
}

}  // namespace nest::daemon
