#include "storage/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "base/strings.h"
#include "storage/storage_driver.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

base::Error ArchiveError(struct archive* a, const std::string& what) {
  return base::Error::Internal(what + ": " + (archive_error_string(a) ?: "unknown error"));
}

base::Status AddTree(struct archive* a, const std::string& root, const std::string& rel,
                     long long mtime) {
  std::string path = rel.empty() ? root : root + "/" + rel;
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (!d) return base::Error::FromErrno("opendir " + path, errno);
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string child_rel = rel.empty() ? n : rel + "/" + n;
    std::string child = root + "/" + child_rel;
    struct stat st {};
    if (::lstat(child.c_str(), &st) < 0) return base::Error::FromErrno("stat " + child, errno);
    std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry(
        archive_entry_new(), archive_entry_free);
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_pathname(entry.get(), child_rel.c_str());
    archive_entry_set_mtime(entry.get(), mtime, 0);
    archive_entry_set_atime(entry.get(), mtime, 0);
    archive_entry_set_ctime(entry.get(), mtime, 0);
    archive_entry_set_ino(entry.get(), 0);
    archive_entry_set_dev(entry.get(), 0);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t len = ::readlink(child.c_str(), target, sizeof target - 1);
      if (len < 0) return base::Error::FromErrno("readlink " + child, errno);
      archive_entry_set_symlink(entry.get(), std::string(target, len).c_str());
    }
    base::UniqueFd fd;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
      int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
      fd = TRY(sys::Open(child, flags));
      // As GNU tar --xattrs writes them (SCHILY.xattr.* pax records), the ones
      // an image keeps: file capabilities and ACLs survive, overlay marks do not.
      for (const auto& [name, value] : TRY(ImageXattrs(fd.get(), child_rel))) {
        archive_entry_xattr_add_entry(entry.get(), name.c_str(), value.data(), value.size());
      }
    }
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK)
      return ArchiveError(a, "writing " + child_rel);
    if (S_ISREG(st.st_mode)) {
      char buf[65536];
      ssize_t r;
      while ((r = ::read(fd.get(), buf, sizeof buf)) > 0) {
        if (archive_write_data(a, buf, r) < 0) return ArchiveError(a, "writing " + child_rel);
      }
      if (r < 0) return base::Error::FromErrno("read " + child, errno);
    }
    if (S_ISDIR(st.st_mode)) TRY(AddTree(a, root, child_rel, mtime));
  }
  return base::Ok();
}

}  // namespace

base::Status PackDirectory(const std::string& dir, const std::string& out_path, long long mtime) {
  ArchivePtr a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_gzip(a.get());
  archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  if (archive_write_open_filename(a.get(), out_path.c_str()) != ARCHIVE_OK)
    return ArchiveError(a.get(), "creating " + out_path);
  TRY_CTX(AddTree(a.get(), dir, "", mtime), "packing " + dir);
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return ArchiveError(a.get(), "closing " + out_path);
  return base::Ok();
}

base::Result<std::string> Sha256File(const std::string& path) {
  base::UniqueFd fd = TRY(sys::Open(path, O_RDONLY));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  ssize_t n;
  while ((n = ::read(fd.get(), buf.data(), buf.size())) > 0)
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  if (n < 0) return base::Error::FromErrno("read " + path, errno);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return base::HexEncode(md, len);
}

}  // namespace nest::storage
