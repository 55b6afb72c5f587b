// metadata.yaml of an LXD image (lxd-spec §2.1), parsed; and LXD's architecture
// names mapped to the kernel's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

// One entry of "templates": the file at the map key is rendered from
// templates/<template_file> on the triggers in `when`.
struct ImageTemplate {
  std::vector<std::string> when;  // "create", "copy", "start", "rename"
  bool create_only = false;
  std::string template_file;  // YAML "template"
  std::map<std::string, std::string> properties;
};

struct ImageMetadata {
  std::string architecture;   // the kernel's name ("x86_64", "aarch64"), whatever alias was written
  int64_t creation_date = 0;  // unix seconds
  int64_t expiry_date = 0;    // unix seconds; 0 = never
  std::map<std::string, std::string> properties;
  std::map<std::string, ImageTemplate> templates;  // keyed by path in the container
};

// Parses metadata.yaml. Every failure is kInvalid:
//   "metadata.yaml is not valid YAML: <why>" (also when it is not a mapping),
//   `metadata.yaml lacks "architecture"`, `metadata.yaml lacks "creation_date"`
//   (LXD refuses both), `metadata.yaml: unknown architecture "<name>"`, and
//   `metadata.yaml: "<field>" <expected shape>` for fields of the wrong type.
// Unknown top-level fields are ignored, as LXD does.
base::Result<ImageMetadata> ParseImageMetadata(std::string_view text);

// metadata.yaml text for `m` (what ParseImageMetadata reads back): architecture,
// creation_date, expiry_date, properties and templates, keys sorted.
std::string FormatImageMetadata(const ImageMetadata& m);

// The kernel's name (uname -m) for an architecture name or alias LXD accepts
// (amd64 → x86_64, arm64 → aarch64, armhf → armv7l, i386 → i686, ppc64el →
// ppc64le, …). kInvalid `unknown architecture "<name>"` otherwise.
base::Result<std::string> KernelArchitecture(std::string_view name);

// The Debian name (simplestreams products, debootstrap --arch) of an
// architecture LXD knows: x86_64 → amd64, aarch64 → arm64, armv7l → armhf,
// i686 → i386, ppc64le → ppc64el…; the kernel name where Debian uses the same.
// kInvalid for unknown names.
base::Result<std::string> DebianArchitecture(std::string_view name);

}  // namespace nest::core
