#include "core/id_shift.h"

namespace nest::core {
namespace {

constexpr uint32_t kAclVersion = 2;
constexpr uint16_t kAclUser = 0x02;
constexpr uint16_t kAclGroup = 0x08;
constexpr size_t kAclHeader = 4;
constexpr size_t kAclEntry = 8;

constexpr uint32_t kCapRevisionMask = 0xFF000000;
constexpr uint32_t kCapRevision2 = 0x02000000;
constexpr uint32_t kCapRevision3 = 0x03000000;
constexpr size_t kCapV2Size = 20;
constexpr size_t kCapV3Size = 24;

uint32_t Le32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

uint16_t Le16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) |
                               static_cast<unsigned char>(s[at + 1]) << 8);
}

void PutLe32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint32_t Shift(uint32_t id, const IdRange& from, const IdRange& to) {
  std::optional<uint32_t> c = ToContainer(from, id);
  if (!c) return id;
  return to.host_base + *c;
}

IdRange Sized(IdRange side, const IdRange& other) {
  if (side.host_base == 0) side.size = other.size;
  return side;
}

}  // namespace

uint32_t IdShift::Uid(uint32_t id) const { return Shift(id, from.uid, to.uid); }
uint32_t IdShift::Gid(uint32_t id) const { return Shift(id, from.gid, to.gid); }

IdShift ShiftBetween(const Idmap& disk, const Idmap& target) {
  IdShift s;
  s.from = {Sized(disk.uid, target.uid), Sized(disk.gid, target.gid)};
  s.to = {Sized(target.uid, disk.uid), Sized(target.gid, disk.gid)};
  return s;
}

Idmap Unshifted(const Idmap& map) { return {{0, map.uid.size}, {0, map.gid.size}}; }

base::Result<std::string> ShiftPosixAcl(std::string_view value, const IdShift& shift) {
  if (value.size() < kAclHeader || (value.size() - kAclHeader) % kAclEntry != 0 ||
      Le32(value, 0) != kAclVersion) {
    return base::Error::Invalid("not a POSIX ACL (version 2) value of " +
                                std::to_string(value.size()) + " bytes");
  }
  std::string out(value);
  for (size_t at = kAclHeader; at < out.size(); at += kAclEntry) {
    uint16_t tag = Le16(out, at);
    uint32_t id = Le32(out, at + 4);
    if (tag == kAclUser) PutLe32(out, at + 4, shift.Uid(id));
    if (tag == kAclGroup) PutLe32(out, at + 4, shift.Gid(id));
  }
  return out;
}

base::Result<std::string> ShiftFileCaps(std::string_view value, const IdShift& shift) {
  if (value.size() < 4) return base::Error::Invalid("security.capability value too short");
  uint32_t magic = Le32(value, 0);
  uint32_t revision = magic & kCapRevisionMask;
  uint32_t rootid = 0;
  if (revision == kCapRevision2 && value.size() == kCapV2Size) {
    rootid = 0;
  } else if (revision == kCapRevision3 && value.size() == kCapV3Size) {
    rootid = Le32(value, kCapV2Size);
  } else {
    return base::Error::Invalid("unsupported security.capability value (revision " +
                                std::to_string(revision >> 24) + ", " +
                                std::to_string(value.size()) + " bytes)");
  }
  uint32_t shifted = shift.Uid(rootid);
  std::string out(value.substr(0, kCapV2Size));
  uint32_t flags = magic & ~kCapRevisionMask;
  if (shifted == 0) {
    PutLe32(out, 0, kCapRevision2 | flags);
    return out;
  }
  PutLe32(out, 0, kCapRevision3 | flags);
  out.resize(kCapV3Size);
  PutLe32(out, kCapV2Size, shifted);
  return out;
}

}  // namespace nest::core
