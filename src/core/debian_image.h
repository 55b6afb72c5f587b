// builtin:debian/<release>[+pkg,pkg...]: which Debian system image an alias names,
// and the image metadata nest writes for it. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

// The packages every builtin Debian image holds beyond debootstrap's minbase:
// exactly what systemd needs to boot in a container (reference/feasibility.md §1).
inline constexpr const char* kDebianBootPackages[] = {"systemd", "systemd-sysv", "dbus"};

struct DebianRelease {
  const char* codename;  // "bookworm"
  const char* version;   // "12"
};
// The releases builtin:debian/ knows, oldest first.
const std::vector<DebianRelease>& KnownDebianReleases();

struct DebianImageSpec {
  std::string release;                // codename, e.g. "bookworm"
  std::string version;                // e.g. "12"
  std::vector<std::string> packages;  // extra packages, sorted, without duplicates
};

// Parses the part of a builtin alias after "debian/": "<release>" or
// "<release>+<pkg>[,<pkg>...]", where <release> is a codename or version number
// ("12" = "bookworm"). Package names follow Debian policy §5.6.1 (lowercase
// letters, digits, '+', '-', '.', at least two characters, starting with a
// letter or digit). Errors (kInvalid unless said):
//   kNotFound `unknown Debian release "x" (known: bullseye (11), bookworm (12), trixie (13))`
//   `invalid Debian package name "X" in "...": <why>`
//   `no package named after '+' in "..."`
base::Result<DebianImageSpec> ParseDebianAlias(std::string_view rest);

// The canonical alias for a spec, "debian/bookworm" or "debian/bookworm+crun,lxc":
// the key the built image is cached under (a different package set is a
// different image).
std::string DebianCanonicalAlias(const DebianImageSpec& spec);

// Every package for debootstrap --include: the boot packages, then the extras.
std::vector<std::string> DebianIncludePackages(const DebianImageSpec& spec);

// Image metadata.yaml as LXD images carry it: architecture (kernel name),
// creation_date, properties (architecture, description, os, release, serial,
// variant) and templates for /etc/hostname and /etc/hosts on create and copy.
std::string DebianMetadataYaml(const DebianImageSpec& spec, std::string_view kernel_arch,
                               long long creation_unix_seconds);
// The description property: "Debian bookworm (12) with systemd (nest builtin)",
// plus " + crun, lxc" for extra packages.
std::string DebianDescription(const DebianImageSpec& spec);

// The template files named by that metadata: file name → content.
struct ImageTemplateFile {
  std::string name;
  std::string content;
};
std::vector<ImageTemplateFile> DebianTemplates();

}  // namespace nest::core
