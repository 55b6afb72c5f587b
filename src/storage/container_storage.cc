#include "storage/container_storage.h"

#include <sys/stat.h>

#include "base/reverter.h"
#include "sys/syscalls.h"

namespace nest::storage {

base::Status CreateContainerStorage(const std::string& dir) {
  if (sys::Exists(dir)) return base::Error::Conflict("storage " + dir + " already exists");
  base::Reverter revert;
  // 0711: the container's root (a mapped uid) must traverse to its mount points.
  TRY(sys::Mkdir(dir, 0711));
  ::chmod(dir.c_str(), 0711);
  revert.Add([dir] { (void)sys::RemoveAll(dir); });
  for (const char* sub : {"/overlay", "/overlay/upper", "/overlay/work", "/lower", "/rootfs"}) {
    TRY(sys::Mkdir(dir + sub, 0755));
  }
  revert.Success();
  return base::Ok();
}

base::Status DeleteContainerStorage(const std::string& dir) {
  TRY_CTX(sys::RemoveAll(dir), "deleting container storage");
  return base::Ok();
}

}  // namespace nest::storage
