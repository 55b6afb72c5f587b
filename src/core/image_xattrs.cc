#include "core/image_xattrs.h"

#include "base/strings.h"

namespace nest::core {

bool ImageKeepsXattr(std::string_view name) {
  if (base::StartsWith(name, "user.")) return !base::StartsWith(name, "user.overlay.");
  return name == "security.capability" || name == "system.posix_acl_access" ||
         name == "system.posix_acl_default";
}

}  // namespace nest::core
