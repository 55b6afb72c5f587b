#include "core/streams_export.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/strings.h"
#include "core/image_metadata.h"
#include "core/time_format.h"

namespace nest::core {
namespace {

using nlohmann::json;

constexpr std::string_view kProductsPath = "streams/v1/images.json";

// Kernel name → Debian name; kernel names not listed are also Debian's.
base::Error Bad(const std::string& what) { return base::Error::Invalid(what); }

// A path component for product ids and directories: lowercase [a-z0-9._-],
// anything else becomes '-'; never empty, "." or "..".
std::string Component(std::string_view text, std::string_view fallback) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(std::tolower(c));
    } else {
      out += '-';
    }
  }
  if (out.empty() || out == "." || out == "..") out = std::string(fallback);
  return out;
}

std::string Property(const StreamsImage& image, const std::string& key,
                     const std::string& fallback) {
  auto it = image.properties.find(key);
  return it == image.properties.end() || it->second.empty() ? fallback : it->second;
}

// A relative path that stays inside the tree.
bool InsideTree(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find("://") != std::string_view::npos)
    return false;
  for (const std::string& part : base::Split(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

std::set<std::string> AliasSet(const json& product) {
  std::set<std::string> out;
  if (auto it = product.find("aliases"); it != product.end() && it->is_string()) {
    for (const std::string& a : base::Split(it->get<std::string>(), ',')) {
      std::string t(base::Trim(a));
      if (!t.empty()) out.insert(t);
    }
  }
  return out;
}

void SetAliases(json& product, const std::set<std::string>& aliases) {
  std::vector<std::string> list(aliases.begin(), aliases.end());
  product["aliases"] = base::Join(list, ",");
}

base::Status CheckFile(const StreamsFile& f, const std::string& fp) {
  static const std::string_view kKnown[] = {kFtypeMeta, kFtypeSquashfs, kFtypeRootTar,
                                            kFtypeCombined};
  if (std::find(std::begin(kKnown), std::end(kKnown), f.ftype) == std::end(kKnown))
    return Bad("image " + fp + ": unknown simplestreams ftype \"" + f.ftype + "\"");
  if (f.sha256.size() != 64 || f.size < 0)
    return Bad("image " + fp + ": file " + f.name + " lacks its sha256 or size");
  if (!InsideTree(f.name) || f.name.find('/') != std::string::npos)
    return Bad("image " + fp + ": bad file name \"" + f.name + "\"");
  return base::Ok();
}

json Item(const StreamsFile& f, const std::string& dir) {
  return {{"ftype", f.ftype}, {"path", dir + "/" + f.name}, {"sha256", f.sha256}, {"size", f.size}};
}

base::Result<json> Version(const StreamsImage& image, const std::string& dir) {
  json items = json::object();
  if (!image.rootfs) {
    if (image.meta.ftype != kFtypeCombined)
      return Bad("image " + image.fingerprint + ": a unified image is an lxd_combined.tar.gz item");
    if (image.meta.sha256 != image.fingerprint)
      return Bad("image " + image.fingerprint + ": its file's sha256 is " + image.meta.sha256 +
                 ", not its fingerprint");
    items[std::string(kFtypeCombined)] = Item(image.meta, dir);
    return json{{"items", items}};
  }
  const StreamsFile& root = *image.rootfs;
  if (image.meta.ftype != kFtypeMeta ||
      (root.ftype != kFtypeSquashfs && root.ftype != kFtypeRootTar))
    return Bad("image " + image.fingerprint + ": a split image is lxd.tar.xz + squashfs or " +
               "root.tar.xz, not " + image.meta.ftype + " + " + root.ftype);
  json meta = Item(image.meta, dir);
  if (root.ftype == kFtypeSquashfs) {
    meta["combined_squashfs_sha256"] = image.fingerprint;
    items["root.squashfs"] = Item(root, dir);
  } else {
    meta["combined_rootxz_sha256"] = image.fingerprint;
    meta["combined_sha256"] = image.fingerprint;
    items["root.tar.xz"] = Item(root, dir);
  }
  items[std::string(kFtypeMeta)] = meta;
  return json{{"items", items}};
}

void ForEachItemPath(const json& version, std::vector<std::string>* out) {
  auto items = version.find("items");
  if (items == version.end() || !items->is_object()) return;
  for (const auto& [_, item] : items->items()) {
    std::string path = item.value("path", "");
    if (base::StartsWith(path, "images/") && InsideTree(path)) out->push_back(path);
  }
}

base::Status CheckProducts(const json& products) {
  if (!products.is_object() || !products.contains("products") || !products["products"].is_object())
    return Bad(std::string(kProductsPath) +
               " is not a simplestreams products file (no \"products\")");
  for (const auto& [id, product] : products["products"].items()) {
    if (!product.is_object() || !product.contains("versions") || !product["versions"].is_object())
      return Bad(std::string(kProductsPath) + ": product " + id + " has no \"versions\"");
    if (product.contains("aliases") && !product["aliases"].is_string())
      return Bad(std::string(kProductsPath) + ": product " + id + ": \"aliases\" is not a string");
    for (const auto& [serial, version] : product["versions"].items()) {
      std::string where = std::string(kProductsPath) + ": " + id + " " + serial;
      if (!version.is_object() || !version.contains("items") || !version["items"].is_object())
        return Bad(where + " has no \"items\"");
      for (const auto& [key, item] : version["items"].items()) {
        if (!item.is_object() || !item.contains("path") || !item["path"].is_string() ||
            !item.contains("ftype") || !item["ftype"].is_string())
          return Bad(where + ": item " + key + " lacks a path or ftype");
        std::string path = item["path"].get<std::string>();
        if (!InsideTree(path))
          return Bad(where + ": item " + key + " path \"" + path + "\" leaves the tree");
      }
    }
  }
  return base::Ok();
}

base::Result<json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    return Bad(std::string(what) + " is not valid JSON: " + e.what());
  }
}

// Compression magic → tarball extension (LXD's shared/archive.go); "" if unknown.
std::string TarExtension(std::string_view h) {
  if (base::StartsWith(h, "BZ")) return ".tar.bz2";
  if (base::StartsWith(h, "\x1f\x8b")) return ".tar.gz";
  if (base::StartsWith(h, std::string_view("\xfd"
                                           "7zXZ\0",
                                           6)))
    return ".tar.xz";
  if (base::StartsWith(h, std::string_view("\x5d\x00\x00", 3))) return ".tar.lzma";
  if (base::StartsWith(h, "\x28\xb5\x2f\xfd")) return ".tar.zst";
  if (h.size() >= 262 && h.substr(257, 5) == "ustar") return ".tar";
  return "";
}

}  // namespace

base::Result<StreamsFile> StreamsFileFor(std::string_view part, std::string_view head) {
  StreamsFile f;
  std::string ext = TarExtension(head);
  if (part == "rootfs" && base::StartsWith(head, "hsqs")) {
    f.ftype = kFtypeSquashfs;
    f.name = "rootfs.squashfs";
    return f;
  }
  if (ext.empty())
    return Bad("the image's " + std::string(part) + " file is neither a tarball (gzip, xz, " +
               "bzip2, lzma, zstd, plain)" + (part == "rootfs" ? " nor squashfs" : ""));
  if (part == "unified") {
    f.ftype = kFtypeCombined;
    f.name = "lxd_combined" + ext;
  } else if (part == "metadata") {
    f.ftype = kFtypeMeta;
    f.name = "lxd" + ext;
  } else {
    f.ftype = kFtypeRootTar;
    f.name = "root" + ext;
  }
  return f;
}

std::string StreamsSerial(int64_t unix_seconds) {
  // "2026-11-29T01:07:30Z" → "20261129_0107"
  std::string t = FormatRfc3339(unix_seconds * 1000000000);
  return t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2) + "_" + t.substr(11, 2) + t.substr(14, 2);
}

bool StreamsTreeHas(const StreamsTree& tree, std::string_view fingerprint) {
  for (const auto& [_, product] : tree.products["products"].items()) {
    for (const auto& [__, version] : product["versions"].items()) {
      if (StreamsVersionFingerprint(version) == fingerprint) return true;
    }
  }
  return false;
}

std::string StreamsVersionFingerprint(const json& version) {
  auto items = version.find("items");
  if (items == version.end() || !items->is_object()) return "";
  for (const auto& [_, item] : items->items()) {
    if (!item.is_object()) continue;
    std::string ftype = item.value("ftype", "");
    if (ftype == kFtypeCombined) return item.value("sha256", "");
  }
  for (const auto& [_, item] : items->items()) {
    if (!item.is_object() || item.value("ftype", "") != kFtypeMeta) continue;
    for (const char* key :
         {"combined_squashfs_sha256", "combined_rootxz_sha256", "combined_sha256"}) {
      std::string fp = item.value(key, "");
      if (!fp.empty()) return fp;
    }
  }
  return "";
}

base::Result<StreamsTree> ParseStreamsTree(std::optional<std::string_view> index_json,
                                           std::optional<std::string_view> products_json) {
  StreamsTree tree;
  if (!index_json && !products_json) {
    tree.index = {{"format", "index:1.0"}, {"index", json::object()}};
    tree.products = {{"content_id", "images"},
                     {"datatype", "image-downloads"},
                     {"format", "products:1.0"},
                     {"products", json::object()}};
    return tree;
  }
  if (!index_json)
    return Bad(std::string(kProductsPath) + " exists but streams/v1/index.json does not");
  tree.index = TRY(ParseJson(*index_json, "streams/v1/index.json"));
  if (!tree.index.is_object() || !tree.index.contains("index") || !tree.index["index"].is_object())
    return Bad("streams/v1/index.json is not a simplestreams index (no \"index\" object)");
  const json& entries = tree.index["index"];
  if (auto it = entries.find("images"); it != entries.end()) {
    if (!it->is_object() || it->value("path", "") != kProductsPath ||
        it->value("datatype", "") != "image-downloads")
      return Bad("streams/v1/index.json: its \"images\" entry is not image-downloads at " +
                 std::string(kProductsPath) + ": not a tree written by nest");
  }
  if (!products_json) {
    if (entries.contains("images"))
      return Bad("streams/v1/index.json names " + std::string(kProductsPath) +
                 ", which is missing");
    tree.products = {{"content_id", "images"},
                     {"datatype", "image-downloads"},
                     {"format", "products:1.0"},
                     {"products", json::object()}};
    return tree;
  }
  tree.products = TRY(ParseJson(*products_json, kProductsPath));
  TRY(CheckProducts(tree.products));
  return tree;
}

base::Result<StreamsUpdate> UpdateStreamsTree(const StreamsTree& tree,
                                              const std::vector<StreamsImage>& images,
                                              const StreamsOptions& options) {
  StreamsUpdate up;
  up.index = tree.index;
  up.products = tree.products;
  json& products = up.products["products"];

  // Where each fingerprint already lives: product id → serial.
  std::map<std::string, std::pair<std::string, std::string>> located;
  for (const auto& [id, product] : products.items()) {
    for (const auto& [serial, version] : product["versions"].items()) {
      std::string fp = StreamsVersionFingerprint(version);
      if (!fp.empty()) located.emplace(fp, std::make_pair(id, serial));
    }
  }

  std::map<std::string, std::string> alias_owner;              // alias → product id (this run)
  std::map<std::string, std::set<std::string>> run_aliases;    // product id → aliases
  std::map<std::string, std::set<std::string>> kept_versions;  // product id → serials
  std::set<std::string> seen;
  for (const StreamsImage& image : images) {
    const std::string& fp = image.fingerprint;
    if (fp.size() != 64) return Bad("image \"" + fp + "\": not a sha256 fingerprint");
    if (!seen.insert(fp).second) return Bad("image " + fp + " is listed twice");

    std::string id, serial;
    if (auto it = located.find(fp); it != located.end()) {
      std::tie(id, serial) = it->second;
      up.reused.push_back(fp);
    } else {
      TRY(CheckFile(image.meta, fp));
      if (image.rootfs) TRY(CheckFile(*image.rootfs, fp));
      std::string arch = TRY_CTX(DebianArchitecture(image.architecture), "image " + fp);
      std::string os = Property(image, "os", "nest");
      std::string release = Property(image, "release", fp.substr(0, 12));
      std::string variant = Property(image, "variant", "default");
      std::string c_os = Component(os, "nest"), c_release = Component(release, fp.substr(0, 12));
      std::string c_variant = Component(variant, "default");
      id = c_os + ":" + c_release + ":" + arch + ":" + c_variant;
      json& product = products[id];
      if (!product.is_object()) product = json::object();
      if (!product.contains("versions")) product["versions"] = json::object();
      product["arch"] = arch;
      product["os"] = os;
      product["release"] = release;
      product["release_title"] = Property(image, "release_title", release);
      product["variant"] = variant;
      if (auto v = image.properties.find("version"); v != image.properties.end())
        product["version"] = v->second;
      json requirements = json::object();
      for (const auto& [k, v] : image.properties) {
        if (base::StartsWith(k, "requirements.")) requirements[k.substr(13)] = v;
      }
      if (!requirements.empty()) product["lxd_requirements"] = requirements;
      int64_t t = image.created_at;
      serial = StreamsSerial(t);
      while (product["versions"].contains(serial)) serial = StreamsSerial(t += 60);
      std::string dir =
          "images/" + c_os + "/" + c_release + "/" + arch + "/" + c_variant + "/" + serial;
      product["versions"][serial] = TRY(Version(image, dir));
      up.new_files.push_back({fp, false, dir + "/" + image.meta.name});
      if (image.rootfs) up.new_files.push_back({fp, true, dir + "/" + image.rootfs->name});
      located.emplace(fp, std::make_pair(id, serial));
    }
    kept_versions[id].insert(serial);
    run_aliases[id];
    for (const std::string& alias : image.aliases) {
      if (alias.find(',') != std::string::npos)
        return Bad("image " + fp + ": alias \"" + alias + "\" has a comma");
      auto [it, fresh] = alias_owner.emplace(alias, id);
      if (!fresh && it->second != id)
        return Bad("alias \"" + alias + "\" names images of two products (" + it->second + " and " +
                   id + ")");
      run_aliases[id].insert(alias);
    }
  }

  if (options.prune) {
    for (auto it = products.begin(); it != products.end();) {
      auto keep = kept_versions.find(it.key());
      json& versions = (*it)["versions"];
      for (auto v = versions.begin(); v != versions.end();) {
        if (keep == kept_versions.end() || !keep->second.count(v.key())) {
          ForEachItemPath(*v, &up.removed_files);
          v = versions.erase(v);
        } else {
          ++v;
        }
      }
      if (versions.empty()) {
        it = products.erase(it);
      } else {
        ++it;
      }
    }
  }

  for (auto& [id, product] : products.items()) {
    std::set<std::string> aliases = options.prune ? std::set<std::string>() : AliasSet(product);
    for (auto it = aliases.begin(); it != aliases.end();) {
      auto owner = alias_owner.find(*it);
      it = owner != alias_owner.end() && owner->second != id ? aliases.erase(it) : std::next(it);
    }
    if (auto mine = run_aliases.find(id); mine != run_aliases.end())
      aliases.insert(mine->second.begin(), mine->second.end());
    SetAliases(product, aliases);
  }

  std::vector<std::string> ids;
  for (const auto& [id, _] : products.items()) ids.push_back(id);
  up.index["format"] = "index:1.0";
  if (!options.updated.empty()) up.index["updated"] = options.updated;
  json& entry = up.index["index"]["images"];
  entry = {{"datatype", "image-downloads"},
           {"path", kProductsPath},
           {"format", "products:1.0"},
           {"products", ids}};
  if (!options.updated.empty()) {
    entry["updated"] = options.updated;
    up.products["updated"] = options.updated;
  }
  return up;
}

}  // namespace nest::core
