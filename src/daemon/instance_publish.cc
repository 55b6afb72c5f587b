// InstanceManager::Publish: a stopped container becomes an image tarball.
#include <chrono>

#include "core/image_metadata.h"
#include "daemon/instances.h"
#include "storage/image_publish.h"
#include "sys/syscalls.h"

namespace nest::daemon {

using base::Error;

base::Status InstanceManager::Publish(const std::string& name,
                                      const std::map<std::string, std::string>& properties,
                                      const std::string& out_path) {
  std::lock_guard lock(LockFor(name));
  auto rec = TRY(ctx_.db->GetInstance(name));
  if (Running(name)) {
    return Error::Conflict("cannot publish instance \"" + name +
                           "\": it is running (stop it first)");
  }
  auto driver = TRY(DriverFor(rec));
  std::string meta = ctx_.images->MetaPath(rec.image_fingerprint);
  core::ImageMetadata metadata;
  if (auto yaml = sys::ReadFile(meta + "/metadata.yaml")) {
    metadata = TRY_CTX(core::ParseImageMetadata(*yaml),
                       "the metadata of image " + rec.image_fingerprint.substr(0, 12));
  } else {
    for (const auto& [k, v] : rec.config) {
      if (k.rfind("image.", 0) == 0) metadata.properties[k.substr(6)] = v;
    }
  }
  metadata.architecture = rec.architecture;
  metadata.creation_date = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  metadata.expiry_date = 0;
  for (const auto& [k, v] : properties) metadata.properties[k] = v;

  storage::PublishSource src;
  src.driver = driver.get();
  src.container_dir = ctx_.paths.Container(name);
  src.image_rootfs = ctx_.images->RootfsPath(rec.image_fingerprint);
  src.metadata_yaml = core::FormatImageMetadata(metadata);
  src.templates_dir = meta + "/templates";
  TRY_CTX(storage::PackContainerImage(src, out_path), "publishing \"" + name + "\"");
  return base::Ok();
}

}  // namespace nest::daemon
