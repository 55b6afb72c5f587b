// Importing LXD images (unified, or split with a squashfs or tarball rootfs) into
// the image store, and exporting them back as LXD writes them (lxd-spec §2).
//
// Store layout under the images directory, for fingerprint <fp>:
//   <fp>              the image file as imported: the unified tarball, or the
//                     metadata tarball of a split image (LXD's name for both)
//   <fp>.rootfs-file  split images only: the rootfs file as imported (squashfs
//                     or tarball; LXD calls it <fp>.rootfs, a name nest uses for:)
//   <fp>.rootfs/      the unpacked root filesystem (ImageStore::RootfsPath), ids
//                     as in the image (container ids, unshifted)
//   <fp>.meta/        metadata.yaml and templates/ as in the image
// <fp> is renamed into place last: it marks the image complete. Work happens in
// .tmp-* (ImageStore::CleanTemporary removes leftovers); a crash between the
// renames leaves parts without <fp>, which RemoveIncompleteImages removes.
// The images directory is made mode 0700 and must stay so: the trees hold
// root-owned, possibly setuid, files from images.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "base/result.h"
#include "core/image_metadata.h"
#include "storage/image_store.h"

namespace nest::storage {

// images.max_unpacked_size's default: 10 GiB.
inline constexpr int64_t kDefaultMaxUnpackedBytes = int64_t{10} << 30;

struct ImageImportSource {
  std::string image;   // unified tarball, or the metadata tarball of a split image
  std::string rootfs;  // split: squashfs or tarball; empty for a unified image
  // The source files may be moved into the store instead of copied (a rename
  // when on the images directory's filesystem). After an error they may be gone.
  bool consume = false;
};

struct ImageImportLimits {
  // Bound on the sum of the sizes of the regular files unpacked (sparse files
  // count their apparent size): images.max_unpacked_size.
  int64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes;
};

struct ImportedImage {
  // fingerprint, size (bytes of the image file(s), as LXD counts), filename
  // (basename of source.image), architecture (kernel name), created_at,
  // properties (from metadata.yaml).
  StoredImage stored;
  core::ImageMetadata metadata;
  bool split = false;
};

// Imports one image. Reads each source file once, streaming: hashes it, copies it
// into the store (unless consumed) and unpacks it in the same pass (never whole
// in memory).
// Compression is detected by content: gzip, xz, bzip2, lzma, zstd or none; a
// split rootfs starting with "hsqs" is squashfs (unpacked by /usr/bin/unsquashfs).
// Fingerprint as LXD: sha256 of the unified file; sha256 of metadata file bytes
// then rootfs file bytes for a split image.
//
// On failure nothing is left outside images/.tmp-* (and that is removed too
// unless the process dies). Errors, all naming the source file:
//   kConflict  "Image with same fingerprint already exists"
//   kInvalid   metadata.yaml problems (core::ParseImageMetadata), no
//              metadata.yaml, an empty or missing rootfs/, an unrecognised
//              format, "truncated or corrupt archive at entry \"X\": <why>",
//              "image unpacks to more than N bytes (images.max_unpacked_size)",
//              and for hostile entries `image entry "X": <reason>`: absolute
//              path; ".." component; path through the symbolic link "Y"; hard
//              link to "Y" outside the image / not an earlier regular file;
//              device node (unprivileged containers cannot use one; an overlay
//              whiteout, char 0/0, is refused too: an image has nothing to
//              white out).
//   kUnavailable /usr/bin/unsquashfs missing for a squashfs rootfs
//   kInternal  I/O failures.
// Ownership is restored (numeric) only when running as root. Extended attributes
// from tarballs are kept as core::ImageKeepsXattr says (user.* but user.overlay.*,
// security.capability, POSIX ACLs) and dropped otherwise: trusted.overlay.* and
// user.overlay.* on a lower layer would steer overlayfs. A squashfs rootfs is
// unpacked with all of its xattrs, and those of files and directories not kept
// by the same rule are then removed.
base::Result<ImportedImage> ImportImage(const std::string& images_dir,
                                        const ImageImportSource& source,
                                        const ImageImportLimits& limits);

// Where an image's files are, and the names LXD gives them on export
// (<fp>.tar.xz; split: meta-<fp>.tar.xz and <fp>.squashfs; extension by content).
struct ImageExportFile {
  std::string path;      // in the store
  std::string filename;  // for Content-Disposition / the exported file
};
struct ImageExportFiles {
  ImageExportFile image;                  // unified file, or the metadata part of a split
  std::optional<ImageExportFile> rootfs;  // split only: the "rootfs" part
};
// kNotFound "image <fp> is not in the store" when <fp> is absent.
base::Result<ImageExportFiles> ImageFilesForExport(const std::string& images_dir,
                                                   const std::string& fp);

// Copies the image's file(s) into the existing directory `out_dir` under the
// names above (replacing files of those names), as `lxc image export fp dir`.
// Returns the paths written.
base::Result<std::vector<std::string>> ExportImage(const std::string& images_dir,
                                                   const std::string& fp,
                                                   const std::string& out_dir);

// Removes every file of the image (<fp> last, so a crash leaves only parts that
// RemoveIncompleteImages finds). Absent parts are not an error.
base::Status RemoveImageFiles(const std::string& images_dir, const std::string& fp);

// At daemon start, next to ImageStore::CleanTemporary: removes <fp>.rootfs/,
// <fp>.meta/ and <fp>.rootfs-file whose <fp> is absent (an import or removal
// cut short). Must not run while an import is in progress.
void RemoveIncompleteImages(const std::string& images_dir);

// At daemon start: removes the files of every image whose fingerprint is not
// in `known` (the database's images): what a removal cut short between the
// row and the files left behind (lxd-spec §1.4 pruneLeftoverImages).
void RemoveUnknownImages(const std::string& images_dir, const std::set<std::string>& known);

}  // namespace nest::storage
