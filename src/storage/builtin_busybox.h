// builtin:busybox — an image made on first use from the host's busybox-static.
#pragma once

#include <string>

#include "base/result.h"

namespace nest::storage {

// Writes a busybox root filesystem into `rootfs` (which must not exist): the
// static binary, a link per applet, an inittab whose init stays up and halts on
// SIGPWR, and minimal /etc files. Errors name what is missing on the host.
base::Status BuildBusyboxRootfs(const std::string& rootfs, const std::string& busybox_path);

// metadata.yaml for it, as LXD images carry (architecture, creation_date, properties).
std::string BusyboxMetadata(long long creation_unix_seconds, const std::string& architecture);

}  // namespace nest::storage
