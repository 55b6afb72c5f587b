#include "storage/image_store.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>

#include "base/reverter.h"
#include "base/strings.h"
#include "storage/builtin_busybox.h"
#include "storage/tarball.h"
#include "sys/syscalls.h"

namespace nest::storage {

bool ImageStore::Has(const std::string& fp) const {
  return sys::Exists(FilePath(fp)) && sys::Exists(RootfsPath(fp));
}

base::Result<StoredImage> ImageStore::BuildBusybox(const std::string& busybox_path,
                                                   const std::string& architecture) {
  std::string tmp = TRY(MakeTemporary());
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });

  // The creation date is the busybox binary's: the same host binary always gives
  // the same image and fingerprint.
  struct stat st {};
  if (::stat(busybox_path.c_str(), &st) < 0) {
    return base::Error::Unavailable(busybox_path +
                                    " is missing: install the busybox-static package");
  }
  long long created = st.st_mtime;
  TRY(sys::Mkdir(tmp + "/tree", 0755));
  TRY(BuildBusyboxRootfs(tmp + "/tree/rootfs", busybox_path));
  TRY(sys::WriteFileAtomic(tmp + "/tree/metadata.yaml", BusyboxMetadata(created, architecture),
                           0644));
  ::chmod((tmp + "/tree").c_str(), 0755);
  TRY(PackDirectory(tmp + "/tree", tmp + "/image.tar.gz", created));
  std::string fp = TRY(Sha256File(tmp + "/image.tar.gz"));
  struct stat img {};
  ::stat((tmp + "/image.tar.gz").c_str(), &img);

  if (!Has(fp)) {
    (void)sys::RemoveAll(RootfsPath(fp));
    TRY(sys::Rename(tmp + "/tree/rootfs", RootfsPath(fp)));
    TRY(sys::Rename(tmp + "/image.tar.gz", FilePath(fp)));
  }
  StoredImage out;
  out.fingerprint = fp;
  out.size = img.st_size;
  out.filename = "busybox.tar.gz";
  out.architecture = architecture;
  out.created_at = created;
  out.properties = {{"description", "busybox (nest builtin)"},
                    {"os", "busybox"},
                    {"release", "builtin"},
                    {"architecture", architecture}};
  return out;
}

base::Result<std::string> ImageStore::MakeTemporary() {
  TRY(sys::MkdirAll(dir_, 0700));
  std::string tmpl = dir_ + "/.tmp-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return base::Error::FromErrno("mkdtemp " + tmpl, errno);
  return tmpl;
}

base::Status ImageStore::Remove(const std::string& fp) {
  TRY(sys::RemoveAll(RootfsPath(fp)));
  TRY(sys::Unlink(FilePath(fp)));
  return base::Ok();
}

void ImageStore::CleanTemporary() {
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(d)) {
    if (base::StartsWith(e->d_name, ".tmp-")) stale.push_back(dir_ + "/" + e->d_name);
  }
  ::closedir(d);
  for (const auto& s : stale) (void)sys::RemoveAll(s);
}

}  // namespace nest::storage
