#include "storage/builtin_busybox.h"

#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/strings.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

base::Result<std::string> RunCapture(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "re");
  if (!p) return base::Error::FromErrno("running " + command, errno);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (rc != 0)
    return base::Error::Internal(command + " failed (status " + std::to_string(rc) + ")");
  return out;
}

}  // namespace

base::Status BuildBusyboxRootfs(const std::string& rootfs, const std::string& busybox_path) {
  if (!sys::Exists(busybox_path)) {
    return base::Error::Unavailable(busybox_path +
                                    " is missing: install the busybox-static package "
                                    "(apt-get install busybox-static)");
  }
  std::string applets =
      TRY_CTX(RunCapture(busybox_path + " --list-full"), "listing busybox applets");
  TRY(sys::Mkdir(rootfs, 0755));
  for (const char* d : {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys",
                        "run", "var", "var/log", "root", "tmp", "home", "mnt"}) {
    TRY(sys::Mkdir(rootfs + "/" + d, 0755));
  }
  ::chmod((rootfs + "/tmp").c_str(), 01777);
  ::chmod((rootfs + "/root").c_str(), 0700);
  auto binary = TRY(sys::ReadFile(busybox_path));
  TRY(sys::WriteFileAtomic(rootfs + "/bin/busybox", binary, 0755));
  for (const auto& line : base::Split(applets, '\n')) {
    std::string path(base::Trim(line));
    if (path.empty() || path == "bin/busybox") continue;
    int depth = static_cast<int>(std::count(path.begin(), path.end(), '/'));
    std::string target;
    for (int i = 0; i < depth; ++i) target += "../";
    target += "bin/busybox";
    if (path == "bin/sh" || path.find('/') == std::string::npos) target = "busybox";
    if (depth == 1 && base::StartsWith(path, "bin/")) target = "busybox";
    (void)sys::Symlink(target, rootfs + "/" + path);
  }
  TRY(sys::WriteFileAtomic(rootfs + "/etc/inittab", "::shutdown:/bin/sync\n", 0644));
  TRY(sys::WriteFileAtomic(rootfs + "/etc/passwd",
                           "root:x:0:0:root:/root:/bin/sh\n"
                           "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                           0644));
  TRY(sys::WriteFileAtomic(rootfs + "/etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", 0644));
  TRY(sys::WriteFileAtomic(rootfs + "/etc/os-release",
                           "NAME=\"BusyBox\"\nID=busybox\nPRETTY_NAME=\"nest builtin busybox\"\n",
                           0644));
  return base::Ok();
}

std::string BusyboxMetadata(long long creation, const std::string& architecture) {
  return "architecture: " + architecture + "\ncreation_date: " + std::to_string(creation) +
         "\nproperties:\n  description: busybox (nest builtin)\n  os: busybox\n"
         "  release: builtin\n  architecture: " +
         architecture + "\ntemplates: {}\n";
}

}  // namespace nest::storage
