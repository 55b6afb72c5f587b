#include "storage/image_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "storage/subprocess.h"
#include "storage/tarball.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

constexpr const char* kLxdUnifiedFp =
    "082aca5d6c78836e1233d6c9c54c3b2aab987220d39e6d045d646e70a8607358";
constexpr const char* kLxdSplitFp =
    "f99dcbc84efd79b7c9bd65022157735c95135afa867c0e339ae8c5a78ec09db9";
constexpr const char* kMetadata =
    "architecture: amd64\ncreation_date: 1700000000\n"
    "properties:\n  os: test\n";

std::string MakeTempDir() {
  std::string t = "/tmp/nest-image-test-XXXXXX";
  EXPECT_NE(::mkdtemp(t.data()), nullptr);
  return t;
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Entry {
  std::string path;
  mode_t type = AE_IFREG;
  std::string content;
  std::string symlink;
  std::string hardlink;
  mode_t perm = 0644;
  uid_t uid = 0;
  dev_t rdev = 0;
  int64_t size = -1;  // regular files: zeros of this size instead of content
  std::vector<std::pair<std::string, std::string>> xattrs;
};

Entry File(std::string path, std::string content) {
  return {.path = std::move(path), .content = std::move(content)};
}
Entry Dir(std::string path) { return {.path = std::move(path), .type = AE_IFDIR, .perm = 0755}; }
Entry Symlink(std::string path, std::string target) {
  return {.path = std::move(path), .type = AE_IFLNK, .symlink = std::move(target), .perm = 0777};
}
Entry Hardlink(std::string path, std::string target) {
  return {.path = std::move(path), .hardlink = std::move(target)};
}
Entry Device(std::string path, mode_t type, int major, int minor) {
  return {.path = std::move(path), .type = type, .rdev = makedev(major, minor)};
}

// Writes a tar with `filter` ("gzip", "xz", "bzip2", "lzma", "zstd", "none").
void WriteTar(const std::string& out, const std::string& filter,
              const std::vector<Entry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  if (filter == "bzip2") archive_write_add_filter_bzip2(a);
  if (filter == "lzma") archive_write_add_filter_lzma(a);
  if (filter == "zstd") archive_write_add_filter_zstd(a);
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const Entry& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_filetype(ae, e.type);
    archive_entry_set_perm(ae, e.perm);
    archive_entry_set_uid(ae, e.uid);
    archive_entry_set_gid(ae, e.uid);
    archive_entry_set_mtime(ae, 1700000000, 0);
    if (!e.symlink.empty()) archive_entry_set_symlink(ae, e.symlink.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(ae, e.hardlink.c_str());
    if (e.type == AE_IFCHR || e.type == AE_IFBLK) archive_entry_set_rdev(ae, e.rdev);
    for (const auto& [name, value] : e.xattrs)
      archive_entry_xattr_add_entry(ae, name.c_str(), value.data(), value.size());
    int64_t size = e.type == AE_IFREG && e.hardlink.empty()
                       ? (e.size >= 0 ? e.size : static_cast<int64_t>(e.content.size()))
                       : 0;
    archive_entry_set_size(ae, size);
    ASSERT_EQ(archive_write_header(a, ae), ARCHIVE_OK) << archive_error_string(a);
    if (e.size >= 0) {
      std::string zeros(1 << 20, '\0');
      for (int64_t left = e.size; left > 0; left -= zeros.size())
        archive_write_data(a, zeros.data(), std::min<int64_t>(left, zeros.size()));
    } else if (size > 0) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(ae);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

std::vector<Entry> Unified(std::vector<Entry> rootfs) {
  std::vector<Entry> out = {File("metadata.yaml", kMetadata),
                            Dir("templates"),
                            File("templates/hostname.tpl", "{{ container.name }}\n"),
                            Dir("rootfs"),
                            Dir("rootfs/etc"),
                            File("rootfs/etc/hostname", "test\n")};
  out.insert(out.end(), rootfs.begin(), rootfs.end());
  return out;
}

class ImageImportTest : public ::testing::Test {
 protected:
  // The peers' busybox image, built once: unified, and split with a squashfs rootfs.
  static void SetUpTestSuite() {
    if (::access(NEST_BUILD_IMAGE_SCRIPT, R_OK) != 0 || ::access("/bin/busybox", X_OK) != 0 ||
        ::access("/usr/bin/mksquashfs", X_OK) != 0)
      return;
    fixtures_ = new std::string(MakeTempDir());
    std::string script = *fixtures_ + "/build-image.sh";
    ASSERT_TRUE(sys::WriteFileAtomic(script, Slurp(NEST_BUILD_IMAGE_SCRIPT), 0755).ok());
    auto run = RunTool({"/bin/bash", script}, nullptr);
    ASSERT_TRUE(run.ok()) << run.error().message();
  }
  static void TearDownTestSuite() {
    if (fixtures_) (void)sys::RemoveAll(*fixtures_);
    delete fixtures_;
    fixtures_ = nullptr;
  }

  void SetUp() override {
    work_ = MakeTempDir();
    images_ = work_ + "/images";
    outside_ = work_ + "/outside";
    ASSERT_TRUE(sys::Mkdir(outside_, 0755).ok());
  }
  void TearDown() override { (void)sys::RemoveAll(work_); }

  base::Result<ImportedImage> Import(const std::string& image, const std::string& rootfs = "",
                                     int64_t limit = kDefaultMaxUnpackedBytes) {
    return ImportImage(images_, {image, rootfs}, {limit});
  }

  // Imports `entries` as a unified gzip image and expects an error of `kind`
  // containing `message`, with nothing left in the store or outside it.
  void ExpectRefused(const std::vector<Entry>& entries, const std::string& message,
                     base::ErrorKind kind = base::ErrorKind::kInvalid) {
    std::string tar = work_ + "/hostile.tar.gz";
    WriteTar(tar, "gzip", entries);
    auto got = Import(tar);
    ASSERT_FALSE(got.ok()) << message;
    EXPECT_EQ(got.error().kind(), kind) << got.error().message();
    EXPECT_NE(got.error().message().find(message), std::string::npos) << got.error().message();
    EXPECT_NE(got.error().message().find(tar), std::string::npos) << got.error().message();
    ImageStore(images_).CleanTemporary();
    EXPECT_EQ(List(images_), std::vector<std::string>{});
    EXPECT_EQ(List(outside_), std::vector<std::string>{});
  }

  static std::string* fixtures_;
  std::string work_;
  std::string images_;
  std::string outside_;
};

std::string* ImageImportTest::fixtures_ = nullptr;

#define NEED_FIXTURES() \
  if (!fixtures_) GTEST_SKIP() << "needs build-image.sh, busybox and mksquashfs"

TEST_F(ImageImportTest, UnifiedBusyboxHasLxdFingerprint) {
  NEED_FIXTURES();
  auto got = Import(*fixtures_ + "/out/busybox-unified.tar.gz");
  ASSERT_TRUE(got.ok()) << got.error().message();
  const std::string fp = kLxdUnifiedFp;
  EXPECT_EQ(got->stored.fingerprint, fp);
  EXPECT_FALSE(got->split);
  EXPECT_EQ(got->stored.size, 1033005);
  EXPECT_EQ(got->stored.filename, "busybox-unified.tar.gz");
  EXPECT_EQ(got->stored.architecture, "x86_64");
  EXPECT_EQ(got->stored.created_at, 1700000000);
  EXPECT_EQ(got->stored.properties.at("os"), "busybox");
  EXPECT_EQ(got->metadata.templates.at("/etc/hostname").template_file, "hostname.tpl");
  EXPECT_EQ(List(images_), (std::vector<std::string>{fp, fp + ".meta", fp + ".rootfs"}));
  EXPECT_TRUE(ImageStore(images_).Has(fp));
  EXPECT_EQ(Slurp(images_ + "/" + fp), Slurp(*fixtures_ + "/out/busybox-unified.tar.gz"));
  EXPECT_EQ(List(images_ + "/" + fp + ".meta"),
            (std::vector<std::string>{"metadata.yaml", "templates"}));
  EXPECT_TRUE(sys::Exists(images_ + "/" + fp + ".meta/templates/hosts.tpl"));
  EXPECT_EQ(Slurp(images_ + "/" + fp + ".rootfs/etc/hostname"), "busybox\n");
  struct stat st {};
  ASSERT_EQ(::lstat((images_ + "/" + fp + ".rootfs/bin/sh").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::stat((images_ + "/" + fp + ".rootfs/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::stat(images_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto again = Import(*fixtures_ + "/out/busybox-unified.tar.gz");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), base::ErrorKind::kConflict);
  EXPECT_EQ(List(images_), (std::vector<std::string>{fp, fp + ".meta", fp + ".rootfs"}));
}

TEST_F(ImageImportTest, SplitSquashfsBusyboxHasLxdFingerprint) {
  NEED_FIXTURES();
  auto got =
      Import(*fixtures_ + "/out/busybox-meta.tar.gz", *fixtures_ + "/out/busybox-rootfs.squashfs");
  ASSERT_TRUE(got.ok()) << got.error().message();
  const std::string fp = kLxdSplitFp;
  EXPECT_EQ(got->stored.fingerprint, fp);
  EXPECT_TRUE(got->split);
  EXPECT_EQ(got->stored.size, 441 + 929792);
  EXPECT_EQ(got->stored.properties.at("name"), "busybox-lab");
  EXPECT_EQ(List(images_),
            (std::vector<std::string>{fp, fp + ".meta", fp + ".rootfs", fp + ".rootfs-file"}));
  EXPECT_EQ(Slurp(images_ + "/" + fp + ".rootfs/etc/hostname"), "busybox\n");
  EXPECT_TRUE(sys::Exists(images_ + "/" + fp + ".rootfs/bin/busybox"));
  EXPECT_TRUE(sys::Exists(images_ + "/" + fp + ".meta/templates/hostname.tpl"));
}

TEST_F(ImageImportTest, ExportWritesLxdNamesAndReimportsToSameFingerprint) {
  NEED_FIXTURES();
  auto unified = Import(*fixtures_ + "/out/busybox-unified.tar.gz");
  ASSERT_TRUE(unified.ok()) << unified.error().message();
  auto split =
      Import(*fixtures_ + "/out/busybox-meta.tar.gz", *fixtures_ + "/out/busybox-rootfs.squashfs");
  ASSERT_TRUE(split.ok()) << split.error().message();
  std::string out = work_ + "/export";
  ASSERT_TRUE(sys::Mkdir(out, 0755).ok());

  auto files = ImageFilesForExport(images_, kLxdSplitFp);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->image.filename, std::string("meta-") + kLxdSplitFp + ".tar.gz");
  ASSERT_TRUE(files->rootfs.has_value());
  EXPECT_EQ(files->rootfs->filename, std::string(kLxdSplitFp) + ".squashfs");

  auto u = ExportImage(images_, kLxdUnifiedFp, out);
  ASSERT_TRUE(u.ok()) << u.error().message();
  auto s = ExportImage(images_, kLxdSplitFp, out);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(List(out), (std::vector<std::string>{std::string(kLxdUnifiedFp) + ".tar.gz",
                                                 std::string(kLxdSplitFp) + ".squashfs",
                                                 std::string("meta-") + kLxdSplitFp + ".tar.gz"}));
  EXPECT_EQ(ExportImage(images_, std::string(64, 'a'), out).error().kind(),
            base::ErrorKind::kNotFound);

  images_ = work_ + "/images2";
  auto u2 = Import(out + "/" + kLxdUnifiedFp + ".tar.gz");
  ASSERT_TRUE(u2.ok()) << u2.error().message();
  EXPECT_EQ(u2->stored.fingerprint, kLxdUnifiedFp);
  auto s2 = Import(out + "/meta-" + kLxdSplitFp + ".tar.gz", out + "/" + kLxdSplitFp + ".squashfs");
  ASSERT_TRUE(s2.ok()) << s2.error().message();
  EXPECT_EQ(s2->stored.fingerprint, kLxdSplitFp);

  ASSERT_TRUE(RemoveImageFiles(images_, kLxdSplitFp).ok());
  ASSERT_TRUE(RemoveImageFiles(images_, kLxdUnifiedFp).ok());
  EXPECT_EQ(List(images_), std::vector<std::string>{});
}

TEST_F(ImageImportTest, EveryCompressionUnifiedAndSplit) {
  for (std::string filter : {"gzip", "xz", "bzip2", "lzma", "zstd", "none"}) {
    SCOPED_TRACE(filter);
    std::string tar = work_ + "/unified-" + filter;
    WriteTar(tar, filter,
             Unified({File("rootfs/etc/os", filter), Hardlink("rootfs/os", "rootfs/etc/os")}));
    auto got = Import(tar);
    ASSERT_TRUE(got.ok()) << got.error().message();
    auto sha = Sha256File(tar);
    ASSERT_TRUE(sha.ok());
    EXPECT_EQ(got->stored.fingerprint, sha.value());
    EXPECT_EQ(Slurp(images_ + "/" + sha.value() + ".rootfs/etc/os"), filter);
    EXPECT_EQ(Slurp(images_ + "/" + sha.value() + ".rootfs/os"), filter);
    auto files = ImageFilesForExport(images_, sha.value());
    ASSERT_TRUE(files.ok());
    std::string ext = filter == "none"    ? ".tar"
                      : filter == "zstd"  ? ".tar.zst"
                      : filter == "gzip"  ? ".tar.gz"
                      : filter == "bzip2" ? ".tar.bz2"
                                          : ".tar." + filter;
    EXPECT_EQ(files->image.filename, sha.value() + ext);

    std::string meta = work_ + "/meta-" + filter;
    std::string rootfs = work_ + "/rootfs-" + filter;
    WriteTar(meta, filter, {File("metadata.yaml", kMetadata), Dir("templates")});
    WriteTar(rootfs, filter,
             {Dir("."), Dir("etc"), File("./etc/os", "split " + filter), Hardlink("os", "etc/os")});
    auto split = Import(meta, rootfs);
    ASSERT_TRUE(split.ok()) << split.error().message();
    std::string both = work_ + "/both";
    ASSERT_TRUE(sys::WriteFileAtomic(both, Slurp(meta) + Slurp(rootfs), 0644).ok());
    EXPECT_EQ(split->stored.fingerprint, Sha256File(both).value());
    EXPECT_EQ(Slurp(images_ + "/" + split->stored.fingerprint + ".rootfs/etc/os"),
              "split " + filter);
    struct stat a {
    }, b{};
    ASSERT_EQ(::stat((images_ + "/" + split->stored.fingerprint + ".rootfs/os").c_str(), &a), 0);
    ASSERT_EQ(::stat((images_ + "/" + split->stored.fingerprint + ".rootfs/etc/os").c_str(), &b),
              0);
    EXPECT_EQ(a.st_ino, b.st_ino);
  }
}

TEST_F(ImageImportTest, KeepsNumericOwnersWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "restoring owners needs root";
  std::string tar = work_ + "/owners.tar.gz";
  Entry f = File("rootfs/etc/owned", "x");
  f.uid = 123456;
  f.perm = 04755;
  WriteTar(tar, "gzip", Unified({f}));
  auto got = Import(tar);
  ASSERT_TRUE(got.ok()) << got.error().message();
  struct stat st {};
  ASSERT_EQ(::stat((images_ + "/" + got->stored.fingerprint + ".rootfs/etc/owned").c_str(), &st),
            0);
  EXPECT_EQ(st.st_uid, 123456u);
  EXPECT_EQ(st.st_gid, 123456u);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
}

// The xattr, or "<absent>".
std::string Xattr(const std::string& path, const std::string& name) {
  std::string v(256, '\0');
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), v.data(), v.size());
  if (n < 0) return "<absent>";
  v.resize(n);
  return v;
}

TEST_F(ImageImportTest, KeepsUserXattrsButDropsOverlayMarks) {
  std::string tar = work_ + "/xattrs.tar.gz";
  Entry d = Dir("rootfs/opt");
  d.xattrs = {{"user.overlay.opaque", "y"}, {"trusted.overlay.opaque", "y"}, {"user.dir", "d"}};
  Entry f = File("rootfs/opt/f", "");
  f.xattrs = {{"user.note", "hello"},
              {"user.overlay.whiteout", ""},
              {"trusted.overlay.redirect", "/x"},
              {"security.selinux", "system_u:object_r:bin_t:s0"}};
  WriteTar(tar, "gzip", Unified({d, f}));
  auto got = Import(tar);
  ASSERT_TRUE(got.ok()) << got.error().message();
  std::string root = images_ + "/" + got->stored.fingerprint + ".rootfs";
  if (Xattr(root + "/opt", "user.dir") == "<absent>" && ::geteuid() != 0) {
    GTEST_SKIP() << "this filesystem takes no user xattrs";
  }
  EXPECT_EQ(Xattr(root + "/opt", "user.dir"), "d");
  EXPECT_EQ(Xattr(root + "/opt/f", "user.note"), "hello");
  EXPECT_EQ(Xattr(root + "/opt", "user.overlay.opaque"), "<absent>");
  EXPECT_EQ(Xattr(root + "/opt", "trusted.overlay.opaque"), "<absent>");
  EXPECT_EQ(Xattr(root + "/opt/f", "user.overlay.whiteout"), "<absent>");
  EXPECT_EQ(Xattr(root + "/opt/f", "trusted.overlay.redirect"), "<absent>");
  EXPECT_EQ(Xattr(root + "/opt/f", "security.selinux"), "<absent>");
}

TEST_F(ImageImportTest, PackDirectoryWritesTheXattrsAnImageKeeps) {
  std::string tree = work_ + "/tree";
  ASSERT_TRUE(sys::Mkdir(tree, 0755).ok());
  ASSERT_TRUE(sys::WriteFileAtomic(tree + "/metadata.yaml", kMetadata, 0644).ok());
  ASSERT_TRUE(sys::Mkdir(tree + "/rootfs", 0755).ok());
  ASSERT_TRUE(sys::WriteFileAtomic(tree + "/rootfs/f", "x", 0644).ok());
  std::string f = tree + "/rootfs/f";
  if (::setxattr(f.c_str(), "user.note", "kept", 4, 0) != 0) {
    GTEST_SKIP() << "this filesystem takes no user xattrs";
  }
  ASSERT_EQ(::setxattr(f.c_str(), "user.overlay.origin", "o", 1, 0), 0);
  ASSERT_TRUE(PackDirectory(tree, work_ + "/packed.tar.gz", 1700000000).ok());
  auto got = Import(work_ + "/packed.tar.gz");
  ASSERT_TRUE(got.ok()) << got.error().message();
  std::string root = images_ + "/" + got->stored.fingerprint + ".rootfs";
  EXPECT_EQ(Xattr(root + "/f", "user.note"), "kept");
  EXPECT_EQ(Xattr(root + "/f", "user.overlay.origin"), "<absent>");
}

TEST_F(ImageImportTest, ConsumeMovesTheSourcesIntoTheStore) {
  std::string meta = work_ + "/meta.tar.xz", rootfs = work_ + "/rootfs.tar.gz";
  WriteTar(meta, "xz", {File("metadata.yaml", kMetadata)});
  WriteTar(rootfs, "gzip", {Dir("etc"), File("etc/hostname", "moved\n")});
  std::string both = work_ + "/both";
  ASSERT_TRUE(sys::WriteFileAtomic(both, Slurp(meta) + Slurp(rootfs), 0644).ok());
  std::string meta_bytes = Slurp(meta);
  auto got = ImportImage(images_, {meta, rootfs, /*consume=*/true}, {});
  ASSERT_TRUE(got.ok()) << got.error().message();
  const std::string fp = got->stored.fingerprint;
  EXPECT_EQ(fp, Sha256File(both).value());
  EXPECT_FALSE(sys::Exists(meta));
  EXPECT_FALSE(sys::Exists(rootfs));
  EXPECT_EQ(Slurp(images_ + "/" + fp), meta_bytes);
  EXPECT_EQ(Slurp(images_ + "/" + fp + ".rootfs/etc/hostname"), "moved\n");
  auto files = ImageFilesForExport(images_, fp);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->image.filename, "meta-" + fp + ".tar.xz");
  EXPECT_EQ(files->rootfs->filename, fp + ".tar.gz");
}

TEST_F(ImageImportTest, RefusesDotDot) {
  ExpectRefused(Unified({File("rootfs/../../outside/x", "pwned")}),
                "image entry \"rootfs/../../outside/x\": path has a \"..\" component");
}

TEST_F(ImageImportTest, RefusesAbsolutePath) {
  ExpectRefused(Unified({File(outside_ + "/x", "pwned")}),
                "image entry \"" + outside_ + "/x\": path is absolute");
}

TEST_F(ImageImportTest, RefusesWritingThroughSymlink) {
  ExpectRefused(
      Unified({Symlink("rootfs/a", outside_), File("rootfs/a/passwd", "pwned")}),
      "image entry \"rootfs/a/passwd\": path goes through the symbolic link \"rootfs/a\"");
  ExpectRefused(Unified({Symlink("rootfs/a", "../../../outside"), Dir("rootfs/a/x")}),
                "path goes through the symbolic link \"rootfs/a\"");
}

TEST_F(ImageImportTest, RefusesHardlinksLeadingOutside) {
  ExpectRefused(Unified({Hardlink("rootfs/shadow", "/etc/shadow")}),
                "image entry \"rootfs/shadow\": hard link target is absolute");
  ExpectRefused(Unified({Hardlink("rootfs/shadow", "rootfs/../../../etc/shadow")}),
                "image entry \"rootfs/shadow\": hard link target has a \"..\" component");
  ExpectRefused(
      Unified({Symlink("rootfs/a", "/etc"), Hardlink("rootfs/shadow", "rootfs/a/shadow")}),
      "hard link to \"rootfs/a/shadow\", which is not an earlier regular file");
  ExpectRefused(Unified({Symlink("rootfs/s", "/etc/shadow"), Hardlink("rootfs/h", "rootfs/s")}),
                "hard link to \"rootfs/s\", which is not an earlier regular file");
  ExpectRefused(Unified({Hardlink("rootfs/h", "metadata.yaml")}),
                "hard link to \"metadata.yaml\", which is not an earlier regular file");
}

TEST_F(ImageImportTest, RefusesDeviceNodes) {
  ExpectRefused(Unified({Dir("rootfs/dev"), Device("rootfs/dev/sda", AE_IFBLK, 8, 0)}),
                "image entry \"rootfs/dev/sda\": device node");
  ExpectRefused(Unified({Dir("rootfs/dev"), Device("rootfs/dev/mem", AE_IFCHR, 1, 1)}),
                "image entry \"rootfs/dev/mem\": device node");
  ExpectRefused(Unified({Device("rootfs/whiteout", AE_IFCHR, 0, 0)}),
                "image entry \"rootfs/whiteout\": device node");
}

TEST_F(ImageImportTest, RefusesTopLevelSymlinksAndTemplateSymlinks) {
  ExpectRefused({File("metadata.yaml", kMetadata), Symlink("rootfs", "/")},
                "image entry \"rootfs\": rootfs/ must be a directory");
  ExpectRefused(Unified({Symlink("templates/hostname.tpl", "/etc/shadow")}),
                "templates/ may hold only regular files and directories");
  ExpectRefused({Symlink("metadata.yaml", "/etc/passwd"), Dir("rootfs"), File("rootfs/x", "")},
                "metadata.yaml must be a regular file");
}

TEST_F(ImageImportTest, RefusesBadMetadata) {
  ExpectRefused(
      {File("metadata.yaml", "architecture: [x86_64\n"), Dir("rootfs"), File("rootfs/x", "")},
      "metadata.yaml is not valid YAML");
  ExpectRefused({File("metadata.yaml", "creation_date: 1\n"), Dir("rootfs"), File("rootfs/x", "")},
                "metadata.yaml lacks \"architecture\"");
  ExpectRefused({Dir("rootfs"), File("rootfs/x", "")}, "image has no metadata.yaml");
  ExpectRefused({File("metadata.yaml", kMetadata), Dir("rootfs")},
                "image has no rootfs/ or an empty one");
}

TEST_F(ImageImportTest, RefusesTruncatedArchives) {
  for (std::string filter : {"none", "gzip", "xz"}) {
    SCOPED_TRACE(filter);
    std::string tar = work_ + "/full." + filter;
    Entry big = File("rootfs/big", "");
    big.size = 3 << 20;
    WriteTar(tar, filter, Unified({big, File("rootfs/after", "x")}));
    std::string bytes = Slurp(tar);
    std::string cut = work_ + "/cut." + filter;
    // "none": the tar header of rootfs/big promises more data than follows.
    ASSERT_TRUE(sys::WriteFileAtomic(cut, bytes.substr(0, bytes.size() / 2), 0644).ok());
    auto got = Import(cut);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().kind(), base::ErrorKind::kInvalid);
    EXPECT_NE(got.error().message().find(cut + ": truncated or corrupt archive at entry \"rootfs/"),
              std::string::npos)
        << got.error().message();
    ImageStore(images_).CleanTemporary();
    EXPECT_EQ(List(images_), std::vector<std::string>{});
  }
}

TEST_F(ImageImportTest, RefusesNonArchives) {
  std::string junk = work_ + "/junk";
  ASSERT_TRUE(sys::WriteFileAtomic(junk, std::string(4096, 'j'), 0644).ok());
  auto got = Import(junk);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), base::ErrorKind::kInvalid);
  EXPECT_NE(got.error().message().find(junk + ": not an image tarball"), std::string::npos)
      << got.error().message();
  EXPECT_EQ(List(images_), std::vector<std::string>{});
}

TEST_F(ImageImportTest, BoundsUnpackedSize) {
  std::string tar = work_ + "/bomb.tar.xz";
  Entry a = File("rootfs/a", ""), b = File("rootfs/b", "");
  a.size = 6 << 20;
  b.size = 6 << 20;
  WriteTar(tar, "xz", Unified({a, b}));
  EXPECT_LT(Slurp(tar).size(), 100000u);
  auto got = Import(tar, "", 10 << 20);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), base::ErrorKind::kInvalid);
  EXPECT_NE(got.error().message().find("image unpacks to more than 10485760 bytes "
                                       "(images.max_unpacked_size)"),
            std::string::npos)
      << got.error().message();
  ImageStore(images_).CleanTemporary();
  EXPECT_EQ(List(images_), std::vector<std::string>{});
  EXPECT_TRUE(Import(tar, "", 13 << 20).ok());
}

class SquashfsTest : public ImageImportTest {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/mksquashfs", X_OK) != 0) GTEST_SKIP() << "needs mksquashfs";
    ImageImportTest::SetUp();
    meta_ = work_ + "/meta.tar.gz";
    WriteTar(meta_, "gzip", {File("metadata.yaml", kMetadata)});
  }
  std::string Squash(const std::vector<std::string>& pseudo) {
    std::string dir = work_ + "/sqdir", out = work_ + "/rootfs.squashfs";
    EXPECT_TRUE(sys::MkdirAll(dir + "/etc", 0755).ok());
    EXPECT_TRUE(sys::WriteFileAtomic(dir + "/etc/hostname", "sq\n", 0644).ok());
    std::vector<std::string> argv = {"/usr/bin/mksquashfs", dir, out, "-noappend", "-no-progress"};
    for (const auto& p : pseudo) {
      argv.push_back("-p");
      argv.push_back(p);
    }
    auto r = RunTool(argv, nullptr);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return out;
  }
  std::string meta_;
};

TEST_F(SquashfsTest, Imports) {
  std::string sq = Squash({});
  auto got = Import(meta_, sq);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(Slurp(images_ + "/" + got->stored.fingerprint + ".rootfs/etc/hostname"), "sq\n");
}

TEST_F(SquashfsTest, DropsOverlayMarks) {
  std::string dir = work_ + "/sqdir";
  ASSERT_TRUE(sys::MkdirAll(dir + "/etc", 0755).ok());
  std::string etc = dir + "/etc";
  if (::setxattr(etc.c_str(), "user.keep", "k", 1, 0) != 0) {
    GTEST_SKIP() << "this filesystem takes no user xattrs";
  }
  ASSERT_EQ(::setxattr(etc.c_str(), "user.overlay.opaque", "y", 1, 0), 0);
  auto got = Import(meta_, Squash({}));
  ASSERT_TRUE(got.ok()) << got.error().message();
  std::string root = images_ + "/" + got->stored.fingerprint + ".rootfs";
  EXPECT_EQ(Xattr(root + "/etc", "user.keep"), "k");
  EXPECT_EQ(Xattr(root + "/etc", "user.overlay.opaque"), "<absent>");
}

TEST_F(SquashfsTest, RefusesDeviceNodes) {
  std::string sq = Squash({"mem c 644 0 0 1 1"});
  auto got = Import(meta_, sq);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message().find("image entry \"/mem\": device node"), std::string::npos)
      << got.error().message();
  ImageStore(images_).CleanTemporary();
  EXPECT_EQ(List(images_), std::vector<std::string>{});
}

TEST_F(SquashfsTest, BoundsUnpackedSize) {
  std::string sq = Squash({"big f 644 0 0 head -c 3000000 /dev/zero"});
  auto got = Import(meta_, sq, 2000000);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message().find("image unpacks to more than 2000000 bytes"),
            std::string::npos)
      << got.error().message();
  ImageStore(images_).CleanTemporary();
  EXPECT_EQ(List(images_), std::vector<std::string>{});
}

TEST_F(ImageImportTest, RemoveIncompleteImagesKeepsCompleteOnes) {
  std::string tar = work_ + "/ok.tar.gz";
  WriteTar(tar, "gzip", Unified({}));
  auto got = Import(tar);
  ASSERT_TRUE(got.ok()) << got.error().message();
  const std::string fp = got->stored.fingerprint;
  const std::string orphan(64, 'b');
  ASSERT_TRUE(sys::Mkdir(images_ + "/" + orphan + ".rootfs", 0755).ok());
  ASSERT_TRUE(sys::Mkdir(images_ + "/" + orphan + ".meta", 0755).ok());
  ASSERT_TRUE(sys::WriteFileAtomic(images_ + "/" + orphan + ".rootfs-file", "x", 0644).ok());
  RemoveIncompleteImages(images_);
  EXPECT_EQ(List(images_), (std::vector<std::string>{fp, fp + ".meta", fp + ".rootfs"}));
}

}  // namespace
}  // namespace nest::storage
