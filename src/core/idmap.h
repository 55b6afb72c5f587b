// Host id delegation (/etc/subuid, /etc/subgid) and the container id maps built on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

// LXD's minimum: a container needs ids 0..65535 (root up to nobody 65534).
inline constexpr uint32_t kMinDelegatedIds = 65536;

// Container ids 0..size-1 map onto host ids host_base..host_base+size-1.
struct IdRange {
  uint32_t host_base = 0;
  uint32_t size = 0;
  bool operator==(const IdRange&) const = default;
};

struct Idmap {
  IdRange uid;
  IdRange gid;
  bool operator==(const Idmap&) const = default;
};

// One line of a kernel /proc/PID/uid_map or gid_map.
struct IdMapEntry {
  uint32_t ns_base = 0;
  uint32_t host_base = 0;
  uint32_t size = 0;
  bool operator==(const IdMapEntry&) const = default;
};

// LXD's rule (lxd-spec §5.1), without its silent fallback: the first entry of a
// subuid/subgid file for `user` (by name, or by numeric `uid` if given; "root"
// also matches "0") with at least kMinDelegatedIds ids.
// Returns kInvalid naming `file_path` and the line to add when there is no
// such entry, and naming file, line number and content for a malformed line.
base::Result<IdRange> FindDelegation(std::string_view file_text, std::string_view file_path,
                                     std::string_view user,
                                     std::optional<uint32_t> uid = std::nullopt);

// FindDelegation on both files.
base::Result<Idmap> HostIdmap(std::string_view subuid_text, std::string_view subuid_path,
                              std::string_view subgid_text, std::string_view subgid_path,
                              std::string_view user, std::optional<uint32_t> uid = std::nullopt);

// "0 <host_base> <size>\n": what /proc/PID/uid_map (gid_map) accepts.
std::string UidMapText(const Idmap& map);
std::string GidMapText(const Idmap& map);

// Container id -> host id, nullopt when outside the range.
std::optional<uint32_t> ToHost(const IdRange& range, uint32_t container_id);
// Host id -> container id, nullopt when outside the range.
std::optional<uint32_t> ToContainer(const IdRange& range, uint32_t host_id);

// Parses /proc/PID/uid_map text ("<ns> <host> <count>" per line, any blanks).
// Returns kInvalid naming the line for malformed input.
base::Result<std::vector<IdMapEntry>> ParseKernelIdMap(std::string_view text);

}  // namespace nest::core
