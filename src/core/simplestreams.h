// Simplestreams as LXD consumes it (lxd-spec §3): streams/v1/index.json, the
// products files it names, the images they describe and alias resolution.
// Pure: the caller fetches the files; this decides what they mean.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace nest::core::simplestreams {

// One downloadable file of an image, relative to the stream's base URL.
struct File {
  std::string ftype;   // "lxd.tar.xz", "squashfs", "root.tar.xz", "lxd_combined.tar.gz"
  std::string path;    // checked by ValidateRelativePath
  std::string sha256;  // 64 lowercase hex digits
  int64_t size = 0;    // bytes, > 0
};

struct Image {
  std::string fingerprint;   // combined hash (split) or the file's sha256 (unified)
  std::string architecture;  // the kernel's name: x86_64
  std::string product_arch;  // as the stream spells it: amd64
  std::string product;       // product id
  std::string os;
  std::string release;
  std::string release_title;
  std::string variant;
  std::string serial;       // version key, e.g. 20240101_0542
  std::string rootfs_type;  // "squashfs", "root.tar.xz", or "tar.gz" for a unified image
  File meta;                // the metadata tarball, or the unified tarball
  std::optional<File> rootfs;
  int64_t size = 0;                               // meta + rootfs bytes
  int64_t created_at = 0;                         // unix seconds, from the serial
  int64_t expires_at = 0;                         // unix seconds, from support_eol; 0 = none
  std::vector<std::string> aliases;               // the product's alias tokens
  std::map<std::string, std::string> properties;  // os, release, description, …
};

// A path taken from a stream must stay inside the stream's tree: relative, no
// "." or ".." component, no scheme ("http:", "file:"), no backslash, query,
// fragment or control character, no empty component. kInvalid naming `what`
// and the reason otherwise.
base::Status ValidateRelativePath(std::string_view path, std::string_view what);

// index.json → the products file paths of every entry whose datatype is
// "image-downloads" with a non-empty "products" list, in key order.
// kInvalid: "index.json is not valid JSON: …", "index.json: \"index\" must be
// an object", an entry whose "path" is missing or escapes the tree.
base::Result<std::vector<std::string>> ParseIndex(std::string_view text);

// A products file → its container images (lxd-spec §3.1 items 3–6). Products
// of an unknown architecture and versions whose serial is not a date are
// skipped, as LXD does; structural faults are refused (kInvalid naming the
// product, version and item): invalid JSON, wrong types, an item without
// ftype/path/sha256/size, a sha256 or combined hash that is not 64 hex
// digits, a path escaping the tree. Virtual-machine disks are ignored.
base::Result<std::vector<Image>> ParseProducts(std::string_view text, std::string_view name);

// The serial's date: "20060102_1504" or a serial whose first 8 characters are
// "20060102" → unix seconds; nullopt when it is shorter than 8 or not a date.
std::optional<int64_t> SerialTime(std::string_view serial);

// Architectures a host of `native` (kernel name) runs: itself first, then its
// personalities (x86_64 → i686; aarch64 → armv7l, armv6l, armv8l; ppc64 → ppc).
std::vector<std::string> HostArchitectures(std::string_view native);

struct Alias {
  std::string name;
  std::string fingerprint;
  std::string architecture;  // kernel name
};

// Every image of a stream, sorted and with its aliases (lxd-spec §3.2).
class Catalog {
 public:
  // Sorts by os, release, variant, serial (newest first), architecture, then
  // rootfs preference (squashfs, root.tar.xz, tar.gz); registers for each alias
  // token "<alias>" and "<alias>/<product arch>", first registration per
  // (name, architecture) winning.
  explicit Catalog(std::vector<Image> images);

  const std::vector<Image>& images() const { return images_; }
  const std::vector<Alias>& aliases() const { return aliases_; }

  // `name` for a host of `native` architecture: the entry of the native
  // architecture, else of the first personality that has one. kNotFound
  // `alias "x" not found` (listing a few known aliases), or `alias "x" has no
  // image for x86_64 (it has: aarch64; name one as x/<arch>)`.
  base::Result<const Image*> ResolveAlias(std::string_view name, std::string_view native) const;
  // A unique fingerprint prefix. kNotFound, or kInvalid when ambiguous.
  base::Result<const Image*> FindFingerprint(std::string_view prefix) const;
  // Alias names pointing at `fingerprint`, sorted.
  std::vector<std::string> AliasesOf(std::string_view fingerprint) const;

 private:
  std::vector<Image> images_;
  std::vector<Alias> aliases_;
};

}  // namespace nest::core::simplestreams
