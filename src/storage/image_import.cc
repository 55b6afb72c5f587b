#include "storage/image_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "base/reverter.h"
#include "base/strings.h"
#include "core/image_xattrs.h"
#include "storage/subprocess.h"
#include "storage/tree_walk.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

constexpr const char* kUnsquashfs = "/usr/bin/unsquashfs";
constexpr int64_t kMaxMetadataBytes = 1 << 20;
constexpr size_t kChunk = 1 << 20;

using ReadArchive = std::unique_ptr<struct archive, int (*)(struct archive*)>;
using WriteArchive = std::unique_ptr<struct archive, int (*)(struct archive*)>;
using Sha256 = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

std::string MetaPath(const std::string& dir, const std::string& fp) {
  return dir + "/" + fp + ".meta";
}
std::string RootfsFilePath(const std::string& dir, const std::string& fp) {
  return dir + "/" + fp + ".rootfs-file";
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == path.npos ? path : path.substr(slash + 1);
}

base::Status WriteAll(int fd, const char* data, size_t len, const std::string& path) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error::FromErrno("write " + path, errno);
    data += n;
    len -= n;
  }
  return base::Ok();
}

// One source file read once: every byte read is hashed and, unless out is empty,
// copied into the store.
// libarchive pulls from it through ReadCallback.
class Feed {
 public:
  Feed(base::UniqueFd in, std::string in_path, base::UniqueFd out, std::string out_path,
       EVP_MD_CTX* sha)
      : in_(std::move(in)),
        in_path_(std::move(in_path)),
        out_(std::move(out)),
        out_path_(std::move(out_path)),
        sha_(sha),
        buf_(kChunk) {}

  // Reads the next chunk; 0 at end of file.
  base::Result<size_t> Fill() {
    ssize_t n;
    do {
      n = ::read(in_.get(), buf_.data(), buf_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return base::Error::FromErrno("read " + in_path_, errno);
    EVP_DigestUpdate(sha_, buf_.data(), n);
    if (out_) TRY(WriteAll(out_.get(), buf_.data(), n, out_path_));
    len_ = n;
    bytes_ += n;
    return len_;
  }
  // Fills the first chunk so the caller can look at the magic; libarchive gets it first.
  base::Status Prime() {
    TRY(Fill());
    primed_ = true;
    return base::Ok();
  }
  std::string_view Head() const { return {buf_.data(), len_}; }
  // Reads the rest of the file (what follows the end of a tar archive, or all
  // of a squashfs).
  base::Status Drain() {
    primed_ = false;
    while (TRY(Fill()) > 0) {
    }
    return base::Ok();
  }
  int64_t bytes() const { return bytes_; }
  const std::string& in_path() const { return in_path_; }

  static la_ssize_t ReadCallback(struct archive* a, void* self, const void** out) {
    Feed* f = static_cast<Feed*>(self);
    *out = f->buf_.data();
    if (f->primed_) {
      f->primed_ = false;
      return f->len_;
    }
    base::Result<size_t> n = f->Fill();
    if (!n.ok()) {
      f->error_ = n.error();
      archive_set_error(a, EIO, "%s", n.error().message().c_str());
      return -1;
    }
    return *n;
  }
  const std::optional<base::Error>& error() const { return error_; }

 private:
  base::UniqueFd in_;
  std::string in_path_;
  base::UniqueFd out_;
  std::string out_path_;
  EVP_MD_CTX* sha_;
  std::vector<char> buf_;
  size_t len_ = 0;
  bool primed_ = false;
  int64_t bytes_ = 0;
  std::optional<base::Error> error_;
};

base::Result<std::unique_ptr<Feed>> OpenFeed(const std::string& in_path,
                                             const std::string& out_path, EVP_MD_CTX* sha) {
  base::UniqueFd in = TRY(sys::Open(in_path, O_RDONLY | O_CLOEXEC));
  base::UniqueFd out;
  if (!out_path.empty())
    out = TRY(sys::Open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  return std::make_unique<Feed>(std::move(in), in_path, std::move(out), out_path, sha);
}

// Which entries of an archive are unpacked, and where.
enum class Part {
  kUnified,      // metadata.yaml, templates/, rootfs/ (anything else is skipped)
  kSplitMeta,    // metadata.yaml, templates/
  kSplitRootfs,  // everything, under rootfs/
};

enum class Kind { kDir, kFile, kSymlink, kOther };

base::Error Hostile(const std::string& entry, const std::string& why) {
  return base::Error::Invalid("image entry \"" + entry + "\": " + why);
}

// Splits an archive path into components: "./a//b/" → {a, b}. Absolute paths and
// ".." are refused (as `what`, "path" or "hard link target").
base::Result<std::vector<std::string>> Components(const std::string& entry, const std::string& path,
                                                  const std::string& what) {
  if (!path.empty() && path[0] == '/') return Hostile(entry, what + " is absolute");
  std::vector<std::string> out;
  for (std::string_view c : base::Split(path, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") return Hostile(entry, what + " has a \"..\" component");
    out.emplace_back(c);
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

void FilterXattrs(struct archive_entry* e) {
  struct Xattr {
    std::string name;
    std::string value;
  };
  std::vector<Xattr> keep;
  bool dropped = false;
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (core::ImageKeepsXattr(name))
      keep.push_back({name, std::string(static_cast<const char*>(value), size)});
    else
      dropped = true;
  }
  if (!dropped) return;
  archive_entry_xattr_clear(e);
  for (const Xattr& x : keep)
    archive_entry_xattr_add_entry(e, x.name.c_str(), x.value.data(), x.value.size());
}

// Unpacks archives into one tree, refusing hostile entries before libarchive sees
// them; counts unpacked bytes against the limit across every archive of an image.
class Unpacker {
 public:
  Unpacker(std::string tree, int64_t max_bytes) : tree_(std::move(tree)), max_bytes_(max_bytes) {}

  // Unpacks one archive; errors carry the source file's path.
  base::Status Unpack(Feed* feed, Part part) {
    TRY_CTX(UnpackArchive(feed, part), feed->in_path());
    return base::Ok();
  }

 private:
  base::Status UnpackArchive(Feed* feed, Part part) {
    ReadArchive in(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(in.get());
    archive_read_support_filter_xz(in.get());
    archive_read_support_filter_bzip2(in.get());
    archive_read_support_filter_lzma(in.get());
    archive_read_support_filter_zstd(in.get());
    archive_read_support_format_tar(in.get());
    WriteArchive out(archive_write_disk_new(), archive_write_free);
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS;
    if (::geteuid() == 0) flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(out.get(), flags);

    if (archive_read_open(in.get(), feed, nullptr, &Feed::ReadCallback, nullptr) != ARCHIVE_OK)
      return ReadError(in.get(), feed, "");
    if (part == Part::kSplitRootfs) TRY(sys::Mkdir(tree_ + "/rootfs", 0755));
    std::string last;
    for (;;) {
      struct archive_entry* e = nullptr;
      int r = archive_read_next_header(in.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return ReadError(in.get(), feed, last);
      const char* raw = archive_entry_pathname(e);
      if (!raw) raw = archive_entry_pathname_utf8(e);
      last = raw ? raw : "";
      TRY(Entry(in.get(), out.get(), e, part, feed, last));
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK) {
      return base::Error::Internal(std::string("finishing unpack: ") +
                                   (archive_error_string(out.get()) ?: "unknown error"));
    }
    return base::Ok();
  }

  base::Error ReadError(struct archive* a, Feed* feed, const std::string& entry) {
    if (feed->error()) return *feed->error();
    std::string why = archive_error_string(a) ?: "unknown error";
    if (entry.empty() && !seen_entry_) {
      return base::Error::Invalid(
          "not an image tarball (tar, optionally gzip, xz, "
          "bzip2, lzma or zstd compressed): " +
          why);
    }
    return base::Error::Invalid("truncated or corrupt archive at entry \"" + entry + "\": " + why);
  }

  base::Status Entry(struct archive* in, struct archive* out, struct archive_entry* e, Part part,
                     Feed* feed, const std::string& name) {
    seen_entry_ = true;
    std::vector<std::string> parts = TRY(Components(name, name, "path"));
    if (part == Part::kSplitRootfs) parts.insert(parts.begin(), "rootfs");
    if (parts.empty()) return Skip(in, name, feed);
    const std::string& top = parts[0];
    bool wanted = top == "metadata.yaml" || top == "templates" ||
                  (top == "rootfs" && part != Part::kSplitMeta);
    if (!wanted) return Skip(in, name, feed);
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string prefix = Join(parts, i);
      auto it = kinds_.find(prefix);
      if (it != kinds_.end() && it->second == Kind::kSymlink)
        return Hostile(name, "path goes through the symbolic link \"" + prefix + "\"");
    }
    std::string rel = Join(parts, parts.size());

    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFCHR || type == AE_IFBLK) {
      return Hostile(name,
                     "device node (unprivileged containers cannot use one; images "
                     "may not carry them)");
    }
    if (const char* link = archive_entry_hardlink(e)) {
      std::vector<std::string> target = TRY(Components(name, link, "hard link target"));
      if (part == Part::kSplitRootfs) target.insert(target.begin(), "rootfs");
      std::string target_rel = Join(target, target.size());
      auto it = kinds_.find(target_rel);
      if (target.empty() || target[0] != top || it == kinds_.end() || it->second != Kind::kFile) {
        return Hostile(name, "hard link to \"" + std::string(link) +
                                 "\", which is not an earlier regular file of the image");
      }
      archive_entry_set_hardlink(e, (tree_ + "/" + target_rel).c_str());
    }
    if ((type == AE_IFREG || archive_entry_hardlink(e)) && archive_entry_size_is_set(e)) {
      TRY(Count(archive_entry_size(e)));
    }
    if (top == "metadata.yaml" &&
        (parts.size() > 1 || type != AE_IFREG || archive_entry_hardlink(e)))
      return Hostile(name, "metadata.yaml must be a regular file");
    if (parts.size() == 1 && top != "metadata.yaml" && type != AE_IFDIR)
      return Hostile(name, top + "/ must be a directory");
    if (top == "templates" && parts.size() > 1 && type != AE_IFDIR &&
        (type != AE_IFREG || archive_entry_hardlink(e)))
      return Hostile(name, "templates/ may hold only regular files and directories");
    kinds_[rel] = type == AE_IFDIR   ? Kind::kDir
                  : type == AE_IFLNK ? Kind::kSymlink
                  : type == AE_IFREG ? Kind::kFile
                                     : Kind::kOther;
    FilterXattrs(e);
    archive_entry_set_pathname(e, (tree_ + "/" + rel).c_str());

    if (archive_write_header(out, e) < ARCHIVE_WARN) {
      return base::Error::Internal("unpacking entry \"" + name +
                                   "\": " + (archive_error_string(out) ?: "unknown error"));
    }
    const void* block;
    size_t size;
    la_int64_t offset;
    for (;;) {
      int r = archive_read_data_block(in, &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return ReadError(in, feed, name);
      if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
        return base::Error::Internal("unpacking entry \"" + name +
                                     "\": " + (archive_error_string(out) ?: "unknown error"));
      }
    }
    if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
      return base::Error::Internal("unpacking entry \"" + name +
                                   "\": " + (archive_error_string(out) ?: "unknown error"));
    }
    return base::Ok();
  }

  base::Status Skip(struct archive* in, const std::string& name, Feed* feed) {
    if (archive_read_data_skip(in) < ARCHIVE_WARN) return ReadError(in, feed, name);
    return base::Ok();
  }

  base::Status Count(int64_t bytes) {
    if (bytes < 0 || bytes > max_bytes_ - unpacked_) {
      return base::Error::Invalid("image unpacks to more than " + std::to_string(max_bytes_) +
                                  " bytes (images.max_unpacked_size)");
    }
    unpacked_ += bytes;
    return base::Ok();
  }

  std::string tree_;
  int64_t max_bytes_;
  int64_t unpacked_ = 0;
  bool seen_entry_ = false;
  std::map<std::string, Kind> kinds_;  // tree-relative path → what the image made there
};

// Lists a squashfs (unsquashfs -lln) before unpacking it: refuses device nodes and
// ".." names, and bounds the unpacked size.
base::Status CheckSquashfs(const std::string& path, int64_t max_bytes) {
  int64_t total = 0;
  auto on_line = [&](std::string_view line) -> base::Status {
    // "<type><perms> <uid>/<gid> <size | major, minor> <YYYY-MM-DD> <HH:MM> <path>"
    if (line.size() < 11 || std::string_view("-dlcbps").find(line[0]) == line.npos ||
        line.substr(1, 9).find_first_not_of("rwxsStT-") != line.npos) {
      return base::Ok();
    }
    std::vector<std::string> f;
    for (std::string& w : base::Split(line, ' ')) {
      if (!w.empty()) f.push_back(std::move(w));
    }
    if (f.size() < 5) return base::Ok();
    size_t colon = line.find(':');
    std::string name(colon != line.npos && colon + 4 <= line.size() ? line.substr(colon + 4) : "");
    // A symlink is listed as "name -> target"; its target may well contain ".."
    // (it is resolved inside the container), only its name may not.
    if (line[0] == 'l') name = name.substr(0, name.find(" -> "));
    if (line[0] == 'c' || line[0] == 'b') {
      return Hostile(name,
                     "device node (unprivileged containers cannot use one; images may "
                     "not carry them)");
    }
    if (name.find("/../") != name.npos || base::EndsWith(name, "/..")) {
      return Hostile(name, "path has a \"..\" component");
    }
    if (line[0] == '-') {
      long long size = 0;
      if (!base::ParseInt64(f[2], &size)) return base::Ok();
      if (size > max_bytes - total) {
        return base::Error::Invalid("image unpacks to more than " + std::to_string(max_bytes) +
                                    " bytes (images.max_unpacked_size)");
      }
      total += size;
    }
    return base::Ok();
  };
  return RunTool({kUnsquashfs, "-lln", "-d", "", path}, on_line);
}

// unsquashfs restores every xattr the squashfs holds (4.5 cannot filter them):
// removes afterwards those an image does not keep (core::ImageKeepsXattr), the
// same a tarball import drops. Files and directories only: overlayfs reads its
// marks from nothing else.
base::Status DropForeignXattrs(const std::string& rootfs) {
  return WalkTree(rootfs, [](const TreeEntry& e) -> base::Status {
    if (!S_ISREG(e.st.st_mode) && !S_ISDIR(e.st.st_mode)) return base::Ok();
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (S_ISDIR(e.st.st_mode) ? O_DIRECTORY : 0);
    base::UniqueFd fd = TRY(sys::OpenAt(e.dirfd, e.name, flags));
    for (const std::string& name : TRY(sys::Flistxattr(fd.get(), e.rel))) {
      if (!core::ImageKeepsXattr(name)) TRY(sys::Fremovexattr(fd.get(), name, e.rel));
    }
    return base::Ok();
  });
}

base::Status UnpackSquashfs(const std::string& path, const std::string& rootfs, int64_t max_bytes) {
  if (!sys::Exists(kUnsquashfs)) {
    return base::Error::Unavailable(
        std::string(kUnsquashfs) + " is missing: install squashfs-tools to import squashfs images");
  }
  TRY(CheckSquashfs(path, max_bytes));
  TRY(RunTool({kUnsquashfs, "-no-progress", "-f", "-d", rootfs, path}, nullptr));
  return DropForeignXattrs(rootfs);
}

bool NonEmptyDir(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return false;
  DIR* d = ::opendir(path.c_str());
  if (!d) return false;
  bool any = false;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      any = true;
      break;
    }
  }
  ::closedir(d);
  return any;
}

base::Result<core::ImageMetadata> ReadMetadata(const std::string& tree, const std::string& src) {
  std::string path = tree + "/metadata.yaml";
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0 || !S_ISREG(st.st_mode))
    return base::Error::Invalid(src + ": image has no metadata.yaml");
  if (st.st_size > kMaxMetadataBytes) {
    return base::Error::Invalid(src + ": metadata.yaml is larger than " +
                                std::to_string(kMaxMetadataBytes) + " bytes");
  }
  std::string text = TRY(sys::ReadFile(path));
  return TRY_CTX(core::ParseImageMetadata(text), src);
}

// Magic → the extension LXD gives the file on export (shared/archive.go).
base::Result<std::string> Extension(const std::string& path) {
  base::UniqueFd fd = TRY(sys::Open(path, O_RDONLY | O_CLOEXEC));
  char head[264] = {};
  ssize_t n = ::pread(fd.get(), head, sizeof head, 0);
  if (n < 0) return base::Error::FromErrno("read " + path, errno);
  std::string_view h(head, n);
  if (base::StartsWith(h, "BZ")) return std::string(".tar.bz2");
  if (base::StartsWith(h, "\x1f\x8b")) return std::string(".tar.gz");
  if (base::StartsWith(h, std::string_view("\xfd"
                                           "7zXZ\0",
                                           6)))
    return std::string(".tar.xz");
  if (base::StartsWith(h, std::string_view("\x5d\x00\x00", 3))) return std::string(".tar.lzma");
  if (base::StartsWith(h, "hsqs")) return std::string(".squashfs");
  if (base::StartsWith(h, "\x28\xb5\x2f\xfd")) return std::string(".tar.zst");
  if (h.size() >= 262 && h.substr(257, 5) == "ustar") return std::string(".tar");
  return std::string("");
}

base::Status CopyFile(const std::string& from, const std::string& to) {
  base::UniqueFd in = TRY(sys::Open(from, O_RDONLY | O_CLOEXEC));
  base::UniqueFd out = TRY(sys::Open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<char> buf(kChunk);
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error::FromErrno("read " + from, errno);
    if (n == 0) break;
    TRY(WriteAll(out.get(), buf.data(), n, to));
  }
  return base::Ok();
}

// Renames, or copies and unlinks across filesystems.
base::Status MoveFile(const std::string& from, const std::string& to) {
  base::Status s = sys::Rename(from, to);
  if (s.ok() || s.error().sys_errno() != EXDEV) return s;
  TRY(CopyFile(from, to));
  return sys::Unlink(from);
}

}  // namespace

base::Result<ImportedImage> ImportImage(const std::string& images_dir,
                                        const ImageImportSource& source,
                                        const ImageImportLimits& limits) {
  TRY(sys::MkdirAll(images_dir, 0700));
  ::chmod(images_dir.c_str(), 0700);
  std::unique_ptr<char, void (*)(void*)> real(::realpath(images_dir.c_str(), nullptr), ::free);
  if (!real) return base::Error::FromErrno("realpath " + images_dir, errno);
  const std::string dir = real.get();
  std::string tmpl = dir + "/.tmp-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return base::Error::FromErrno("mkdtemp " + tmpl, errno);
  const std::string tmp = tmpl;
  base::Reverter revert;
  revert.Add([tmp] { (void)sys::RemoveAll(tmp); });
  const std::string tree = tmp + "/tree";
  TRY(sys::Mkdir(tree, 0755));

  Sha256 sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
  Unpacker unpacker(tree, limits.max_unpacked_bytes);
  const bool split = !source.rootfs.empty();
  ImportedImage out;
  out.split = split;

  auto copy_to = [&](const std::string& name) { return source.consume ? "" : tmp + "/" + name; };
  std::unique_ptr<Feed> image = TRY(OpenFeed(source.image, copy_to("image"), sha.get()));
  TRY(image->Prime());
  TRY(unpacker.Unpack(image.get(), split ? Part::kSplitMeta : Part::kUnified));
  TRY(image->Drain());
  int64_t size = image->bytes();
  if (split) {
    out.metadata = TRY(ReadMetadata(tree, source.image));
    std::unique_ptr<Feed> rootfs = TRY(OpenFeed(source.rootfs, copy_to("rootfs-file"), sha.get()));
    TRY(rootfs->Prime());
    if (base::StartsWith(rootfs->Head(), "hsqs")) {
      TRY(rootfs->Drain());
      TRY_CTX(UnpackSquashfs(source.consume ? source.rootfs : tmp + "/rootfs-file",
                             tree + "/rootfs", limits.max_unpacked_bytes),
              source.rootfs);
    } else {
      TRY(unpacker.Unpack(rootfs.get(), Part::kSplitRootfs));
      TRY(rootfs->Drain());
    }
    size += rootfs->bytes();
  } else {
    out.metadata = TRY(ReadMetadata(tree, source.image));
  }
  if (!NonEmptyDir(tree + "/rootfs")) {
    return base::Error::Invalid((split ? source.rootfs : source.image) +
                                ": image has no rootfs/ or an empty one (only container "
                                "images are supported)");
  }

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_len = 0;
  EVP_DigestFinal_ex(sha.get(), md, &md_len);
  const std::string fp = base::HexEncode(md, md_len);
  ImageStore store(dir);
  if (sys::Exists(store.FilePath(fp)))
    return base::Error::Conflict("Image with same fingerprint already exists");

  if (source.consume) {
    TRY(MoveFile(source.image, tmp + "/image"));
    if (split) TRY(MoveFile(source.rootfs, tmp + "/rootfs-file"));
  }
  auto install = [&](const std::string& from, const std::string& to) -> base::Status {
    base::Status s = sys::RenameNoReplace(from, to);
    if (!s.ok() && s.error().kind() == base::ErrorKind::kConflict)
      return base::Error::Conflict("Image with same fingerprint already exists");
    if (!s.ok()) return s;
    revert.Add([to] { (void)sys::RemoveAll(to); });
    return base::Ok();
  };
  TRY(install(tree + "/rootfs", store.RootfsPath(fp)));
  TRY(install(tree, MetaPath(dir, fp)));
  if (split) TRY(install(tmp + "/rootfs-file", RootfsFilePath(dir, fp)));
  TRY(install(tmp + "/image", store.FilePath(fp)));
  revert.Success();
  (void)sys::RemoveAll(tmp);

  out.stored.fingerprint = fp;
  out.stored.size = size;
  out.stored.filename = Basename(source.image);
  out.stored.architecture = out.metadata.architecture;
  out.stored.created_at = out.metadata.creation_date;
  out.stored.properties = out.metadata.properties;
  return out;
}

base::Result<ImageExportFiles> ImageFilesForExport(const std::string& images_dir,
                                                   const std::string& fp) {
  ImageStore store(images_dir);
  ImageExportFiles files;
  files.image.path = store.FilePath(fp);
  if (!sys::Exists(files.image.path))
    return base::Error::NotFound("image " + fp + " is not in the store");
  std::string ext = TRY(Extension(files.image.path));
  std::string rootfs = RootfsFilePath(images_dir, fp);
  if (!sys::Exists(rootfs)) {
    files.image.filename = fp + ext;
    return files;
  }
  files.image.filename = "meta-" + fp + ext;
  files.rootfs = ImageExportFile{rootfs, fp + TRY(Extension(rootfs))};
  return files;
}

base::Result<std::vector<std::string>> ExportImage(const std::string& images_dir,
                                                   const std::string& fp,
                                                   const std::string& out_dir) {
  ImageExportFiles files = TRY(ImageFilesForExport(images_dir, fp));
  std::vector<std::string> written;
  std::vector<ImageExportFile> all = {files.image};
  if (files.rootfs) all.push_back(*files.rootfs);
  for (const ImageExportFile& f : all) {
    std::string to = out_dir + "/" + f.filename;
    TRY_CTX(CopyFile(f.path, to), "exporting image " + fp);
    written.push_back(to);
  }
  return written;
}

base::Status RemoveImageFiles(const std::string& images_dir, const std::string& fp) {
  ImageStore store(images_dir);
  TRY(sys::RemoveAll(store.RootfsPath(fp)));
  TRY(sys::RemoveAll(MetaPath(images_dir, fp)));
  TRY(sys::Unlink(RootfsFilePath(images_dir, fp)));
  TRY(sys::Unlink(store.FilePath(fp)));
  return base::Ok();
}

void RemoveIncompleteImages(const std::string& images_dir) {
  DIR* d = ::opendir(images_dir.c_str());
  if (!d) return;
  std::vector<std::string> orphans;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    for (const char* suffix : {".rootfs", ".meta", ".rootfs-file"}) {
      if (!base::EndsWith(name, suffix)) continue;
      std::string fp = name.substr(0, name.size() - std::strlen(suffix));
      if (fp.size() == 64 && fp.find_first_not_of("0123456789abcdef") == fp.npos &&
          !sys::Exists(images_dir + "/" + fp))
        orphans.push_back(images_dir + "/" + name);
    }
  }
  ::closedir(d);
  for (const auto& o : orphans) (void)sys::RemoveAll(o);
}

void RemoveUnknownImages(const std::string& images_dir, const std::set<std::string>& known) {
  DIR* d = ::opendir(images_dir.c_str());
  if (!d) return;
  std::vector<std::string> unknown;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == 64 && name.find_first_not_of("0123456789abcdef") == name.npos &&
        !known.count(name))
      unknown.push_back(name);
  }
  ::closedir(d);
  for (const auto& fp : unknown) (void)RemoveImageFiles(images_dir, fp);
}

}  // namespace nest::storage
