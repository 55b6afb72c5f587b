// builtin:debian/<release>[+pkg,...] — a Debian system image built on first use
// with debootstrap from the host's configured apt mirror, packed as an LXD image
// (metadata.yaml + templates/ + rootfs/) and added to the image store.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "core/debian_image.h"
#include "storage/image_store.h"

namespace nest::storage {

// The mirror the host's apt uses for `release`: read from <apt_dir>/sources.list,
// <apt_dir>/sources.list.d/*.list and *.sources (core::ChooseDebianMirror).
// kNotFound when none of them names one.
base::Result<std::string> FindDebianMirror(const std::string& apt_dir, const std::string& release);

struct DebianBuild {
  core::DebianImageSpec spec;
  std::string mirror;       // e.g. http://deb.debian.org/debian
  std::string kernel_arch;  // uname machine, e.g. x86_64
  // Downloaded .deb files are kept here between builds (debootstrap
  // --cache-dir): a rebuild or a variant with extra packages downloads only what
  // is new. Empty: no cache. Files no build has used for 30 days are pruned.
  std::string deb_cache;
  std::string debootstrap = "/usr/sbin/debootstrap";
  std::string unshare = "/usr/bin/unshare";
};

// Called with a one-line description of the build's state whenever it changes
// ("debootstrap: Downloading packages 45% (Retrieving dbus 1.14.10-1~deb12u1)",
// "packing the image"); may be called often: throttle in the callee.
using BuildProgressFn = std::function<void(const std::string& line)>;

// Builds the image: debootstrap --variant=minbase with systemd, systemd-sysv,
// dbus and spec.packages, run in a private mount namespace (its proc/sys mounts
// never reach the host and vanish with it) inside a temporary directory of the
// store, dpkg told to skip its per-file fsyncs (force-unsafe-io: a failed build
// is thrown away whole anyway); then that setting removed, /dev emptied, /etc/machine-id emptied
// (each container makes its own), apt's package cache cleaned; packed (gzip tarball, fingerprint =
// its sha256 as LXD) and moved into the store: <fp>, <fp>.rootfs/, <fp>.meta/. On any failure
// nothing is left in the store. Errors:
//   kUnavailable  debootstrap or unshare missing (names the package to install)
//   kInternal     `debootstrap bookworm from <mirror> failed: <its last error>;
//                 its log ends: <last lines>` and I/O failures.
base::Result<StoredImage> BuildDebianImage(ImageStore& store, const DebianBuild& build,
                                           const BuildProgressFn& progress);

}  // namespace nest::storage
