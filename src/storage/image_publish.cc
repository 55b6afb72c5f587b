#include "storage/image_publish.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <vector>

#include "base/reverter.h"
#include "storage/tree_walk.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;
using EntryPtr = std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)>;

base::Error ArchiveError(struct archive* a, const std::string& what) {
  return base::Error::Internal(what + ": " + (archive_error_string(a) ?: "unknown error"));
}

class Packer {
 public:
  explicit Packer(struct archive* a) : a_(a) {}

  base::Status AddFile(const std::string& path, const std::string& content) {
    EntryPtr e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) return ArchiveError(a_, "writing " + path);
    if (archive_write_data(a_, content.data(), content.size()) < 0)
      return ArchiveError(a_, "writing " + path);
    return base::Ok();
  }

  // `path` in the archive for the entry `e` of a tree.
  base::Status Add(const std::string& path, const RootEntry& e) {
    EntryPtr entry(archive_entry_new(), archive_entry_free);
    archive_entry_copy_stat(entry.get(), &e.st);
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_ino(entry.get(), 0);
    archive_entry_set_dev(entry.get(), 0);
    archive_entry_set_nlink(entry.get(), 1);
    for (const auto& [name, value] : e.xattrs) {
      archive_entry_xattr_add_entry(entry.get(), name.c_str(), value.data(), value.size());
    }
    const mode_t mode = e.st.st_mode;
    if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode)) {
      return base::Error::Invalid("rootfs/" + e.rel +
                                  ": device nodes, fifos and sockets cannot be published");
    }
    if (S_ISLNK(mode)) {
      std::string target = TRY(sys::Readlinkat(e.dirfd, e.name, e.rel));
      archive_entry_set_symlink(entry.get(), target.c_str());
    }
    if (S_ISREG(mode) && e.st.st_nlink > 1) {
      auto [it, inserted] = links_.try_emplace({e.st.st_dev, e.st.st_ino}, path);
      if (!inserted) {
        archive_entry_set_hardlink(entry.get(), it->second.c_str());
        archive_entry_set_size(entry.get(), 0);
        if (archive_write_header(a_, entry.get()) != ARCHIVE_OK)
          return ArchiveError(a_, "writing " + path);
        return base::Ok();
      }
    }
    if (archive_write_header(a_, entry.get()) != ARCHIVE_OK)
      return ArchiveError(a_, "writing " + path);
    if (!S_ISREG(mode)) return base::Ok();
    base::UniqueFd fd = TRY(sys::OpenAt(e.dirfd, e.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK));
    std::vector<char> buf(1 << 16);
    ssize_t n;
    while ((n = ::read(fd.get(), buf.data(), buf.size())) > 0) {
      if (archive_write_data(a_, buf.data(), n) < 0) return ArchiveError(a_, "writing " + path);
    }
    if (n < 0) return base::Error::FromErrno("read " + e.rel, errno);
    return base::Ok();
  }

 private:
  struct archive* a_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

base::Status Pack(struct archive* a, const PublishSource& src) {
  Packer packer(a);
  TRY(packer.AddFile("metadata.yaml", src.metadata_yaml));
  if (!src.templates_dir.empty() && sys::Exists(src.templates_dir)) {
    TRY(WalkTree(src.templates_dir, [&](const TreeEntry& t) -> base::Status {
      RootEntry e{t.rel, t.st, t.dirfd, t.name, {}};
      e.st.st_uid = 0;
      e.st.st_gid = 0;
      return packer.Add(t.rel.empty() ? "templates" : "templates/" + t.rel, e);
    }));
  }
  return src.driver->WalkRoot(src.container_dir, src.image_rootfs, [&](const RootEntry& e) {
    return packer.Add(e.rel.empty() ? "rootfs" : "rootfs/" + e.rel, e);
  });
}

}  // namespace

base::Status PackContainerImage(const PublishSource& src, const std::string& out_path) {
  ArchivePtr a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_gzip(a.get());
  archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  base::UniqueFd out = TRY(sys::Open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  base::Reverter revert;
  revert.Add([out_path] { (void)sys::Unlink(out_path); });
  if (archive_write_open_fd(a.get(), out.get()) != ARCHIVE_OK)
    return ArchiveError(a.get(), "creating " + out_path);
  TRY_CTX(Pack(a.get(), src), "packing " + src.container_dir);
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return ArchiveError(a.get(), "closing " + out_path);
  revert.Success();
  return base::Ok();
}

}  // namespace nest::storage
