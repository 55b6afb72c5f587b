// Rewriting on-disk ids from one container map to another: the maths of the
// `dir` storage driver's chown walk, of its ACLs and of its file capabilities.
// Pure: the walk itself lives in storage/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/idmap.h"

namespace nest::core {

// Ids on disk under map `from` rewritten for map `to`: a host id h inside a
// `from` range becomes to.host_base + (h - from.host_base); ids outside it are
// kept (they belong to no container id and stay unmapped inside). An unshifted
// tree (container ids on disk, as images hold them) is host_base 0.
struct IdShift {
  Idmap from;
  Idmap to;

  uint32_t Uid(uint32_t id) const;
  uint32_t Gid(uint32_t id) const;
  bool IsIdentity() const {
    return from.uid.host_base == to.uid.host_base && from.gid.host_base == to.gid.host_base;
  }
  IdShift Inverse() const { return {to, from}; }
};

// The shift taking a disk at `disk` to `target`. An unshifted side (host_base 0)
// takes the other side's size, so an unshifted tree maps id for id.
IdShift ShiftBetween(const Idmap& disk, const Idmap& target);

// The unshifted map of the same size as `map` (host_base 0).
Idmap Unshifted(const Idmap& map);

// A system.posix_acl_access / system.posix_acl_default value (version 2:
// le32 version, then {le16 tag, le16 perm, le32 id} entries) with the ids of
// ACL_USER and ACL_GROUP entries shifted. kInvalid when it is not that format.
base::Result<std::string> ShiftPosixAcl(std::string_view value, const IdShift& shift);

// A security.capability value with its owner shifted. VFS_CAP_REVISION_2 values
// (no root id: owned by root of the initial namespace, i.e. container root 0 of
// an unshifted tree) and revision 3 values (le32 root id) both become revision
// 3 with root id Uid(rootid); a result whose root id is 0 is written as
// revision 2, as images carry it. kInvalid for other revisions or sizes.
base::Result<std::string> ShiftFileCaps(std::string_view value, const IdShift& shift);

}  // namespace nest::core
