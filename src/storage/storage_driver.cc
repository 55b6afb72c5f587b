#include "storage/storage_driver.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/strings.h"
#include "core/image_xattrs.h"
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

base::Result<std::string> MakeTempSibling(const std::string& dir) {
  if (sys::Exists(dir)) return base::Error::Conflict("storage " + dir + " already exists");
  size_t slash = dir.rfind('/');
  std::string tmp = dir.substr(0, slash + 1) + ".tmp-" + dir.substr(slash + 1) + "-XXXXXX";
  if (!::mkdtemp(tmp.data())) return base::Error::FromErrno("mkdtemp " + tmp, errno);
  if (::chmod(tmp.c_str(), 0711) < 0) {
    int e = errno;
    (void)sys::RemoveAll(tmp);
    return base::Error::FromErrno("chmod " + tmp, e);
  }
  return tmp;
}

base::Result<std::vector<std::pair<std::string, std::string>>> ImageXattrs(
    int fd, const std::string& shown) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : TRY(sys::Flistxattr(fd, shown))) {
    if (!core::ImageKeepsXattr(name)) continue;
    auto value = TRY(sys::Fgetxattr(fd, name, shown));
    if (value) out.emplace_back(name, std::move(*value));
  }
  return out;
}

}  // namespace nest::storage
