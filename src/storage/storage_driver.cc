#include "storage/storage_driver.h"

#include "base/strings.h"
#include "storage/dir_driver.h"
#include "storage/overlay_driver.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {

base::Result<std::unique_ptr<StorageDriver>> MakeStorageDriver(std::string_view name) {
  if (name == "overlay") return std::unique_ptr<StorageDriver>(new OverlayDriver());
  if (name == "dir") return std::unique_ptr<StorageDriver>(new DirDriver());
  return base::Error::Invalid("unknown storage driver \"" + std::string(name) +
                              "\" (known drivers: overlay, dir)");
}

void RemoveInterruptedCreates(const std::string& containers_dir) {
  auto dir = sys::Open(containers_dir, O_RDONLY | O_DIRECTORY);
  if (!dir) return;
  auto names = sys::ListDir(dir->get(), containers_dir);
  if (!names) return;
  for (const std::string& n : *names) {
    if (base::StartsWith(n, ".tmp-")) (void)sys::RemoveAll(containers_dir + "/" + n);
  }
}

base::Result<std::vector<std::pair<std::string, std::string>>> ImageXattrs(
    int fd, const std::string& shown) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : TRY(sys::Flistxattr(fd, shown))) {
    bool keep = (base::StartsWith(name, "user.") && !base::StartsWith(name, "user.overlay.")) ||
                name == "security.capability" || name == "system.posix_acl_access" ||
                name == "system.posix_acl_default";
    if (!keep) continue;
    auto value = TRY(sys::Fgetxattr(fd, name, shown));
    if (value) out.emplace_back(name, std::move(*value));
  }
  return out;
}

}  // namespace nest::storage
