#include "core/idmap.h"

#include <charconv>

#include "base/strings.h"

namespace nest::core {
namespace {

bool ParseU32(std::string_view s, uint32_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool IsAllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

base::Result<IdRange> FindDelegation(std::string_view file_text, std::string_view file_path,
                                     std::string_view user, std::optional<uint32_t> uid) {
  if (!uid && user == "root") uid = 0;
  std::vector<std::string> lines = base::Split(file_text, '\n');
  std::optional<IdRange> found;
  int too_small = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = base::Trim(lines[i]);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = base::Split(line, ':');
    uint32_t start = 0, count = 0;
    if (fields.size() != 3 || fields[0].empty() || !ParseU32(fields[1], &start) ||
        !ParseU32(fields[2], &count) ||
        static_cast<uint64_t>(start) + count > (uint64_t{1} << 32)) {
      return base::Error::Invalid(std::string(file_path) + " line " + std::to_string(i + 1) +
                                  ": malformed entry " + Quoted(line) +
                                  ", expected name:start:count");
    }
    uint32_t name_uid = 0;
    bool matches = fields[0] == user || (uid && IsAllDigits(fields[0]) &&
                                         ParseU32(fields[0], &name_uid) && name_uid == *uid);
    if (!matches || found) continue;
    if (count < kMinDelegatedIds) {
      ++too_small;
      continue;
    }
    found = IdRange{start, count};
  }
  if (found) return *found;
  std::string why = "found none with at least " + std::to_string(kMinDelegatedIds) + " ids";
  if (too_small) {
    why += ", only " + std::to_string(too_small) + " smaller one" + (too_small > 1 ? "s" : "");
  }
  return base::Error::Invalid("no subordinate id range for " + std::string(user) + " in " +
                              std::string(file_path) + " (" + why + "): add a line such as \"" +
                              std::string(user) + ":1000000:1000000000\"");
}

base::Result<Idmap> HostIdmap(std::string_view subuid_text, std::string_view subuid_path,
                              std::string_view subgid_text, std::string_view subgid_path,
                              std::string_view user, std::optional<uint32_t> uid) {
  Idmap map;
  map.uid = TRY(FindDelegation(subuid_text, subuid_path, user, uid));
  map.gid = TRY(FindDelegation(subgid_text, subgid_path, user, uid));
  return map;
}

std::string UidMapText(const Idmap& map) {
  return "0 " + std::to_string(map.uid.host_base) + " " + std::to_string(map.uid.size) + "\n";
}

std::string GidMapText(const Idmap& map) {
  return "0 " + std::to_string(map.gid.host_base) + " " + std::to_string(map.gid.size) + "\n";
}

std::optional<uint32_t> ToHost(const IdRange& range, uint32_t container_id) {
  if (container_id >= range.size) return std::nullopt;
  return range.host_base + container_id;
}

std::optional<uint32_t> ToContainer(const IdRange& range, uint32_t host_id) {
  if (host_id < range.host_base || host_id - range.host_base >= range.size) return std::nullopt;
  return host_id - range.host_base;
}

base::Result<std::vector<IdMapEntry>> ParseKernelIdMap(std::string_view text) {
  std::vector<IdMapEntry> out;
  std::vector<std::string> lines = base::Split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = base::Trim(lines[i]);
    if (line.empty()) continue;
    std::vector<std::string_view> fields;
    size_t pos = 0;
    while (pos < line.size()) {
      size_t start = line.find_first_not_of(" \t", pos);
      if (start == std::string_view::npos) break;
      size_t end = line.find_first_of(" \t", start);
      if (end == std::string_view::npos) end = line.size();
      fields.push_back(line.substr(start, end - start));
      pos = end;
    }
    IdMapEntry e;
    if (fields.size() != 3 || !ParseU32(fields[0], &e.ns_base) ||
        !ParseU32(fields[1], &e.host_base) || !ParseU32(fields[2], &e.size)) {
      return base::Error::Invalid("id map line " + std::to_string(i + 1) + ": malformed " +
                                  Quoted(line) + ", expected \"<ns> <host> <count>\"");
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace nest::core
