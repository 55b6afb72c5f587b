#include "daemon/image_upload.h"

#include <utility>

#include "base/strings.h"
#include "core/size.h"

namespace nest::daemon {

base::Result<storage::ImportedImage> ImportUpload(Context& ctx, const UploadedImage& upload) {
  storage::ImageImportLimits limits;
  auto config = TRY(ctx.db->GetConfig());
  if (auto it = config.find("images.max_unpacked_size");
      it != config.end() && !it->second.empty()) {
    limits.max_unpacked_bytes =
        TRY_CTX(core::ParseByteSize(it->second), "server key images.max_unpacked_size");
  }
  auto imported =
      storage::ImportImage(ctx.paths.Images(), {upload.metadata_path, upload.rootfs_path}, limits);
  if (imported.ok()) return imported;
  // The store names the spooled file (".tmp-upload-…/image"), a path of ours
  // that means nothing to the client: say which part of the upload instead.
  const base::Error& e = imported.error();
  std::string msg = e.message();
  for (const auto& [path, part] : {std::pair{upload.metadata_path, std::string("")},
                                   std::pair{upload.rootfs_path, std::string("rootfs: ")}}) {
    if (!path.empty() && base::StartsWith(msg, path + ": ")) {
      msg = part + msg.substr(path.size() + 2);
      break;
    }
  }
  return base::Error(e.kind(), msg, e.sys_errno());
}

base::Status ImportAndRecord(Context& ctx, const UploadedImage& up, ops::Operation& op) {
  storage::ImportedImage imported = TRY(ImportUpload(ctx, up));
  const storage::StoredImage& stored = imported.stored;
  if (stored.fingerprint != up.fingerprint) {
    (void)storage::RemoveImageFiles(ctx.paths.Images(), stored.fingerprint);
    return base::Error::Internal("the store computed fingerprint " + stored.fingerprint +
                                 " for an upload whose sha256 is " + up.fingerprint);
  }
  db::ImageRecord rec;
  rec.fingerprint = up.fingerprint;
  rec.filename = up.filename;
  rec.size = up.size;
  rec.is_public = up.is_public;
  rec.architecture = stored.architecture;
  rec.type = "container";
  rec.created_at = stored.created_at * 1000000000LL;
  rec.expires_at = imported.metadata.expiry_date * 1000000000LL;
  rec.uploaded_at = ctx.clock.Now();
  rec.cached = false;
  rec.auto_update = false;
  rec.properties = stored.properties;
  for (const auto& [k, v] : up.properties) rec.properties[k] = v;
  if (auto created = ctx.db->CreateImage(rec); !created) {
    (void)storage::RemoveImageFiles(ctx.paths.Images(), up.fingerprint);
    return std::move(created).error().Context("recording image " + up.fingerprint);
  }
  op.UpdateMetadata({{"fingerprint", up.fingerprint}, {"size", std::to_string(up.size)}});
  ctx.events->PublishLifecycle("image-created", "/1.0/images/" + up.fingerprint,
                               {{"type", "container"}});
  return base::Ok();
}

}  // namespace nest::daemon
