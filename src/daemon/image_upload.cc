#include "daemon/image_upload.h"

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
  return storage::ImportImage(ctx.paths.Images(), {upload.metadata_path, upload.rootfs_path},
                              limits);
}

}  // namespace nest::daemon
