// APT source lists (sources.list one-line style and deb822 .sources), parsed, and
// the Debian mirror chosen from them for building builtin:debian images. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

struct AptSource {
  std::vector<std::string> types;  // "deb", "deb-src"
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  bool enabled = true;  // deb822 "Enabled: no" → false
};

// One-line format: "deb [opts] URI SUITE COMPONENT..."; comments and blank
// lines skipped; malformed lines ignored (apt would refuse them; nest only looks
// for a mirror).
std::vector<AptSource> ParseAptSourcesList(std::string_view text);
// deb822 format: stanzas of "Field: value" separated by blank lines; field names
// case-insensitive; continuation lines (leading space) extend the previous field.
std::vector<AptSource> ParseAptSourcesDeb822(std::string_view text);

// The mirror to debootstrap `release` from: the first URI of an enabled "deb"
// source whose suites include `release` itself; failing that, of one whose
// suites include any plain codename in `known_codenames` (the same archive
// serves every release; "-security"/"-updates" suites are other archives).
// Trailing '/' removed. kNotFound "no Debian mirror in the apt sources (<where>):
// need a \"deb\" source for a Debian suite such as bookworm" when none fits.
base::Result<std::string> ChooseDebianMirror(const std::vector<AptSource>& sources,
                                             std::string_view release,
                                             const std::vector<std::string>& known_codenames,
                                             std::string_view where);

}  // namespace nest::core
