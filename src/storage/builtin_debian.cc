#include "storage/builtin_debian.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "base/reverter.h"
#include "base/strings.h"
#include "core/apt_sources.h"
#include "core/debootstrap_progress.h"
#include "core/image_metadata.h"
#include "storage/subprocess.h"
#include "storage/tarball.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

using base::Error;

constexpr size_t kLogTailLines = 12;
constexpr const char* kUnsafeIoConfig = "/etc/dpkg/dpkg.cfg.d/nest-unsafe-io";
constexpr long kDebCacheDays = 30;

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> KnownCodenames() {
  std::vector<std::string> out;
  for (const auto& r : core::KnownDebianReleases()) out.push_back(r.codename);
  return out;
}

// The last lines of debootstrap's log, joined with " | " (it is shown in one
// error message).
std::string LogTail(const std::string& path) {
  auto text = sys::ReadFile(path);
  if (!text) return "(no log: " + text.error().message() + ")";
  std::vector<std::string> lines;
  for (const auto& l : base::Split(*text, '\n')) {
    if (!base::Trim(l).empty()) lines.emplace_back(base::Trim(l));
  }
  if (lines.size() > kLogTailLines) lines.erase(lines.begin(), lines.end() - kLogTailLines);
  return lines.empty() ? "(empty)" : base::Join(lines, " | ");
}

// What debootstrap leaves that a container image must not carry.
base::Status Tidy(const std::string& rootfs) {
  // Device nodes: the container gets its own /dev, and an image with device
  // nodes is refused on import (an unprivileged container cannot use them).
  for (const auto& n : ListDir(rootfs + "/dev")) TRY(sys::RemoveAll(rootfs + "/dev/" + n));
  // Each container generates its machine id at first boot (an empty file tells
  // systemd so, as Debian's own images do).
  TRY(sys::WriteFileAtomic(rootfs + "/etc/machine-id", "", 0444));
  struct stat st {};
  std::string dbus_id = rootfs + "/var/lib/dbus/machine-id";
  if (::lstat(dbus_id.c_str(), &st) == 0 && S_ISREG(st.st_mode)) TRY(sys::Unlink(dbus_id));
  for (const auto& n : ListDir(rootfs + "/var/cache/apt/archives")) {
    if (base::EndsWith(n, ".deb")) TRY(sys::Unlink(rootfs + "/var/cache/apt/archives/" + n));
  }
  for (const char* f :
       {"/var/cache/apt/pkgcache.bin", "/var/cache/apt/srcpkgcache.bin", kUnsafeIoConfig}) {
    TRY(sys::Unlink(rootfs + f));
  }
  return base::Ok();
}

// dpkg inside debootstrap reads this from the target: no fsync per unpacked
// file. Written before debootstrap starts (it keeps files already there).
base::Status AllowUnsafeIo(const std::string& rootfs) {
  TRY(sys::MkdirAll(rootfs + "/etc/dpkg/dpkg.cfg.d", 0755));
  return sys::WriteFileAtomic(rootfs + kUnsafeIoConfig, "force-unsafe-io\n", 0644);
}

// Removes cached packages no build has used for kDebCacheDays (debootstrap
// reads a reused .deb, so its access time moves; relatime updates it daily).
void PruneDebCache(const std::string& dir) {
  time_t cutoff = ::time(nullptr) - kDebCacheDays * 24 * 3600;
  for (const auto& n : ListDir(dir)) {
    if (!base::EndsWith(n, ".deb")) continue;
    struct stat st {};
    std::string path = dir + "/" + n;
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        std::max(st.st_atime, st.st_mtime) < cutoff) {
      (void)sys::Unlink(path);
    }
  }
}

base::Status RunDebootstrap(const DebianBuild& build, const std::string& arch,
                            const std::string& rootfs, const std::string& log,
                            const BuildProgressFn& progress) {
  if (!sys::Exists(build.debootstrap)) {
    return Error::Unavailable(build.debootstrap +
                              " is missing: install the debootstrap package "
                              "(apt-get install debootstrap)");
  }
  if (!sys::Exists(build.unshare)) {
    return Error::Unavailable(build.unshare + " is missing: install util-linux");
  }
  std::vector<std::string> argv = {
      build.unshare,
      "--mount",
      "--propagation",
      "private",
      "--",
      build.debootstrap,
      "--debian-installer",
      "--variant=minbase",
      "--arch=" + arch,
      "--include=" + base::Join(core::DebianIncludePackages(build.spec), ","),
      build.spec.release,
      rootfs,
      build.mirror};
  if (!build.deb_cache.empty()) argv.insert(argv.end() - 3, "--cache-dir=" + build.deb_cache);
  core::DebootstrapProgress state;
  auto on_line = [&](std::string_view line) -> base::Status {
    if (state.Feed(line) && progress) progress("debootstrap: " + state.Summary());
    return base::Ok();
  };
  base::Status ran = RunToolWithStatusFd(argv, log, on_line);
  if (ran) return ran;
  if (ran.error().kind() == base::ErrorKind::kUnavailable) return ran;
  std::string why = state.last_error().empty() ? ran.error().message() : state.last_error();
  return Error::Internal("debootstrap " + build.spec.release + " from " + build.mirror +
                         " failed: " + why + "; its log ends: " + LogTail(log));
}

}  // namespace

base::Result<std::string> FindDebianMirror(const std::string& apt_dir, const std::string& release) {
  std::vector<core::AptSource> sources;
  std::vector<std::string> read;
  auto add = [&](const std::string& path, bool deb822) {
    auto text = sys::ReadFile(path);
    if (!text) return;
    read.push_back(path);
    auto parsed = deb822 ? core::ParseAptSourcesDeb822(*text) : core::ParseAptSourcesList(*text);
    sources.insert(sources.end(), parsed.begin(), parsed.end());
  };
  add(apt_dir + "/sources.list", false);
  for (const auto& n : ListDir(apt_dir + "/sources.list.d")) {
    if (base::EndsWith(n, ".list")) add(apt_dir + "/sources.list.d/" + n, false);
    if (base::EndsWith(n, ".sources")) add(apt_dir + "/sources.list.d/" + n, true);
  }
  std::string where = read.empty() ? "none found under " + apt_dir : base::Join(read, ", ");
  return core::ChooseDebianMirror(sources, release, KnownCodenames(), where);
}

base::Result<StoredImage> BuildDebianImage(ImageStore& store, const DebianBuild& build,
                                           const BuildProgressFn& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  std::string arch = TRY(core::DebianArchitecture(build.kernel_arch));
  std::string tmp = TRY(store.MakeTemporary());
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });
  std::string tree = tmp + "/tree";
  TRY(sys::Mkdir(tree, 0755));
  ::chmod(tree.c_str(), 0755);

  say("debootstrap: starting (" + build.spec.release + " from " + build.mirror + ")");
  TRY_CTX(AllowUnsafeIo(tree + "/rootfs"), "preparing the debootstrap tree");
  if (!build.deb_cache.empty()) {
    TRY_CTX(sys::MkdirAll(build.deb_cache, 0700), "the package cache");
    PruneDebCache(build.deb_cache);
  }
  TRY(RunDebootstrap(build, arch, tree + "/rootfs", tmp + "/debootstrap.log", progress));
  TRY_CTX(Tidy(tree + "/rootfs"), "tidying the debootstrap tree");

  long long created = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  TRY(sys::WriteFileAtomic(tree + "/metadata.yaml",
                           core::DebianMetadataYaml(build.spec, build.kernel_arch, created), 0644));
  TRY(sys::Mkdir(tree + "/templates", 0755));
  for (const auto& t : core::DebianTemplates()) {
    TRY(sys::WriteFileAtomic(tree + "/templates/" + t.name, t.content, 0644));
  }
  say("packing the image");
  TRY(PackDirectory(tree, tmp + "/image.tar.gz", created));
  say("computing the fingerprint");
  std::string fp = TRY(Sha256File(tmp + "/image.tar.gz"));
  struct stat img {};
  if (::stat((tmp + "/image.tar.gz").c_str(), &img) < 0) {
    return Error::FromErrno("stat " + tmp + "/image.tar.gz", errno);
  }
  if (!store.Has(fp)) {
    // <fp> is renamed last: it marks the image complete.
    TRY(sys::Rename(tree + "/rootfs", store.RootfsPath(fp)));
    revert.Add([&store, fp] { (void)sys::RemoveAll(store.RootfsPath(fp)); });
    (void)sys::RemoveAll(store.MetaPath(fp));
    TRY(sys::Rename(tree, store.MetaPath(fp)));
    revert.Add([&store, fp] { (void)sys::RemoveAll(store.MetaPath(fp)); });
    TRY(sys::Rename(tmp + "/image.tar.gz", store.FilePath(fp)));
  }
  revert.Success();
  (void)sys::RemoveAll(tmp);

  StoredImage out;
  out.fingerprint = fp;
  out.size = img.st_size;
  out.filename = "debian-" + build.spec.release + ".tar.gz";
  out.architecture = build.kernel_arch;
  out.created_at = created;
  out.properties = {
      {"architecture", build.kernel_arch},
      {"description", core::DebianDescription(build.spec)},
      {"os", "debian"},
      {"release", build.spec.release},
      {"serial", std::to_string(created)},
      {"variant", build.spec.packages.empty() ? "default" : base::Join(build.spec.packages, ",")}};
  return out;
}

}  // namespace nest::storage
