// Which extended attributes an image carries: the rule shared by packing a
// tree into an image (publish, builtin images) and unpacking one (import).
#pragma once

#include <string_view>

namespace nest::core {

// True for user.* (but not user.overlay.*), security.capability and the POSIX
// ACLs (system.posix_acl_access, system.posix_acl_default). Everything else is
// dropped, notably trusted.* and user.overlay.*: overlayfs reads its whiteout,
// opaque and redirect marks from those (user.overlay.* when mounted in a user
// namespace), so an image carrying them could steer the overlay it becomes a
// layer of; and security.selinux and other LSM labels belong to the host.
bool ImageKeepsXattr(std::string_view name);

}  // namespace nest::core
