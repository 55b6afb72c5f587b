// The documents of a simplestreams tree written by `nest image export-streams`
// (lxd-spec §3): streams/v1/index.json and streams/v1/images.json, built from
// the images being exported and merged into what the tree already holds.
// Pure: the caller reads and writes the files (cli/streams_export.cc).
//
// Layout of a tree:
//   streams/v1/index.json            {"format": "index:1.0", "index": {"images": …}}
//   streams/v1/images.json           products:1.0, one product per
//                                    os:release:arch:variant
//   images/<os>/<release>/<arch>/<variant>/<serial>/
//     lxd.tar.xz + rootfs.squashfs   a split image (ftypes lxd.tar.xz, squashfs)
//     lxd.tar.xz + root.tar.xz       a split image with a rootfs tarball (root.tar.xz)
//     lxd_combined.tar.gz            a unified image (ftype lxd_combined.tar.gz)
// File names keep the real compression's extension ("lxd.tar.gz"); LXD goes by
// ftype and detects compression by content. The metadata item carries the
// combined hash (combined_squashfs_sha256, or combined_rootxz_sha256 and the
// legacy combined_sha256), which is the image's fingerprint, so an image
// downloaded from the tree keeps the fingerprint it had in nest.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core {

// simplestreams ftypes LXD understands for container images.
inline constexpr std::string_view kFtypeMeta = "lxd.tar.xz";
inline constexpr std::string_view kFtypeSquashfs = "squashfs";
inline constexpr std::string_view kFtypeRootTar = "root.tar.xz";
inline constexpr std::string_view kFtypeCombined = "lxd_combined.tar.gz";

// One file of an image, as exported by nestd.
struct StreamsFile {
  std::string ftype;  // one of the kFtype* above
  std::string name;   // file name in the version directory ("lxd.tar.xz")
  std::string sha256;
  int64_t size = 0;
};

// One image to add to the tree.
struct StreamsImage {
  std::string fingerprint;
  std::string architecture;                       // any name LXD accepts ("x86_64", "amd64")
  int64_t created_at = 0;                         // unix seconds: gives the serial
  std::map<std::string, std::string> properties;  // os, release, variant, …
  std::vector<std::string> aliases;
  StreamsFile meta;                   // the metadata tarball, or the unified image
  std::optional<StreamsFile> rootfs;  // split images only
};

// A file the caller must put into the tree.
struct StreamsPlacement {
  std::string fingerprint;  // the image it belongs to
  bool rootfs = false;      // its rootfs file (else its metadata/unified file)
  std::string path;         // relative to the tree root
};

struct StreamsUpdate {
  nlohmann::json index;     // the new streams/v1/index.json
  nlohmann::json products;  // the new streams/v1/images.json
  std::vector<StreamsPlacement> new_files;
  std::vector<std::string> removed_files;  // pruned items, all under images/
  std::vector<std::string> reused;         // fingerprints the tree already held
};

struct StreamsOptions {
  bool prune = false;   // drop every version not exported by this run, and its files
  std::string updated;  // the "updated" stamp (RFC 2822, as simplestreams writes it)
};

// The ftype and file name of an exported file from its first bytes (264 are
// enough): `part` is "unified", "metadata" or "rootfs". The name keeps the
// real compression: "lxd_combined.tar.xz", "lxd.tar.gz", "rootfs.squashfs",
// "root.tar.xz". kInvalid for a rootfs that is neither squashfs nor a
// tarball, or metadata that is no tarball.
base::Result<StreamsFile> StreamsFileFor(std::string_view part, std::string_view head);

// "YYYYMMDD_HHMM" (UTC) of unix seconds, the serial form LXD parses.
std::string StreamsSerial(int64_t unix_seconds);

// The tree that DIR holds now, from the text of its two documents (nullopt:
// the file does not exist). Both absent is an empty tree. Errors (kInvalid):
// not JSON, not index:1.0/products:1.0 shaped, an "images" index entry that
// points elsewhere than streams/v1/images.json, index without products file,
// an item whose path is absolute or leaves the tree ("..").
struct StreamsTree {
  nlohmann::json index;
  nlohmann::json products;
};
base::Result<StreamsTree> ParseStreamsTree(std::optional<std::string_view> index_json,
                                           std::optional<std::string_view> products_json);

// Adds `images` to `tree`. Each image becomes one version of the product
// os:release:arch:variant (from its properties; defaults "nest", the first 12
// digits of the fingerprint, "default"), keyed by the serial of its creation
// time; a serial already used by another image of that product moves one minute
// later until free. An image whose fingerprint the tree already has stays where
// it is (listed in `reused`, no new files). Aliases: a product's aliases are the
// union of what it had and the aliases of this run's images in it, minus
// aliases that this run gives to another product (an alias names one product;
// within a product the newest serial wins, as LXD resolves it).
// Errors (kInvalid): a unified image whose sha256 is not its fingerprint, a
// file without sha256/size, an unknown ftype, an unknown architecture, two
// images of this run with the same fingerprint. The files (meta, rootfs) of an
// image the tree already has are not looked at: the caller need not fetch them.
base::Result<StreamsUpdate> UpdateStreamsTree(const StreamsTree& tree,
                                              const std::vector<StreamsImage>& images,
                                              const StreamsOptions& options);

// Whether some version of the tree stands for `fingerprint`.
bool StreamsTreeHas(const StreamsTree& tree, std::string_view fingerprint);

// The fingerprint a version of an existing tree stands for ("" if none):
// the sha256 of an lxd_combined.tar.gz item, else the metadata item's combined hash.
std::string StreamsVersionFingerprint(const nlohmann::json& version);

}  // namespace nest::core
