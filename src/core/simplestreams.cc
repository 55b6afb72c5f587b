#include "core/simplestreams.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/strings.h"
#include "core/image_metadata.h"

namespace nest::core::simplestreams {
namespace {

using base::Error;
using nlohmann::json;

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYYMMDD" at the start of s → unix seconds of that midnight UTC.
std::optional<int64_t> DateTime(std::string_view s) {
  int y, m, d;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 4, 2, &m) || !Digits(s, 6, 2, &d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return DaysFromCivil(y, m, d) * 86400;
}

// "YYYY-MM-DD" → unix seconds; nullopt otherwise.
std::optional<int64_t> EolTime(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  return DateTime(s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2));
}

// An optional string field; kInvalid when present with another type.
base::Result<std::string> OptString(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Error::Invalid(where + ": \"" + key + "\" must be a string");
  return it->get<std::string>();
}

base::Result<File> ParseItem(const json& item, const std::string& where) {
  if (!item.is_object()) return Error::Invalid(where + " must be an object");
  File f;
  f.ftype = TRY(OptString(item, "ftype", where));
  f.path = TRY(OptString(item, "path", where));
  f.sha256 = TRY(OptString(item, "sha256", where));
  if (f.ftype.empty()) return Error::Invalid(where + " lacks \"ftype\"");
  if (f.path.empty()) return Error::Invalid(where + " lacks \"path\"");
  TRY(ValidateRelativePath(f.path, where + " path"));
  if (!IsSha256(f.sha256)) {
    return Error::Invalid(where + ": \"sha256\" must be 64 lowercase hex digits");
  }
  auto size = item.find("size");
  if (size == item.end() || !size->is_number_integer() || size->get<int64_t>() <= 0) {
    return Error::Invalid(where + ": \"size\" must be a positive integer");
  }
  f.size = size->get<int64_t>();
  return f;
}

// The combined-hash field of the metadata item for a rootfs of `ftype`.
base::Result<std::string> CombinedHash(const json& meta, const std::string& ftype,
                                       const std::string& where) {
  std::vector<const char*> keys;
  if (ftype == "squashfs") keys = {"combined_squashfs_sha256"};
  if (ftype == "root.tar.xz") keys = {"combined_rootxz_sha256", "combined_sha256"};
  for (const char* k : keys) {
    std::string v = TRY(OptString(meta, k, where));
    if (v.empty()) continue;
    if (!IsSha256(v))
      return Error::Invalid(where + ": \"" + k + "\" must be 64 lowercase hex digits");
    return v;
  }
  return std::string();
}

int RootfsRank(const std::string& type) {
  if (type == "squashfs") return 0;
  if (type == "root.tar.xz") return 1;
  return 2;
}

std::map<std::string, std::string> Properties(const Image& img, const std::string& label) {
  std::map<std::string, std::string> p = {{"os", img.os},
                                          {"release", img.release},
                                          {"architecture", img.product_arch},
                                          {"serial", img.serial},
                                          {"type", img.rootfs_type}};
  if (!label.empty()) p["label"] = label;
  if (!img.variant.empty()) p["variant"] = img.variant;
  std::string desc = img.os + " " + (img.release_title.empty() ? img.release : img.release_title) +
                     " " + img.product_arch;
  if (!img.variant.empty()) desc += " (" + img.variant + ")";
  desc += " (" + img.serial + ")";
  p["description"] = desc;
  return p;
}

base::Status ParseVersion(const Image& base, const json& version, const std::string& where,
                          std::vector<Image>& out) {
  if (!version.is_object()) return Error::Invalid(where + " must be an object");
  std::string label = TRY(OptString(version, "label", where));
  auto items_it = version.find("items");
  if (items_it == version.end() || items_it->is_null()) return base::Ok();
  if (!items_it->is_object()) return Error::Invalid(where + ": \"items\" must be an object");
  std::map<std::string, File> files;
  std::map<std::string, const json*> raw;
  for (auto it = items_it->begin(); it != items_it->end(); ++it) {
    std::string iw = where + " item \"" + it.key() + "\"";
    File f = TRY(ParseItem(it.value(), iw));
    raw[it.key()] = &it.value();
    files[it.key()] = std::move(f);
  }
  for (const auto& [key, meta] : files) {
    if (meta.ftype == "lxd_combined.tar.gz") {
      Image img = base;
      img.fingerprint = meta.sha256;
      img.rootfs_type = "tar.gz";
      img.meta = meta;
      img.size = meta.size;
      img.properties = Properties(img, label);
      out.push_back(std::move(img));
      continue;
    }
    if (meta.ftype != "lxd.tar.xz") continue;
    for (const auto& [rkey, root] : files) {
      if (root.ftype != "squashfs" && root.ftype != "root.tar.xz") continue;
      std::string fp = TRY(CombinedHash(*raw[key], root.ftype, where + " item \"" + key + "\""));
      if (fp.empty()) continue;  // no combined hash for this pair: LXD skips it
      Image img = base;
      img.fingerprint = fp;
      img.rootfs_type = root.ftype;
      img.meta = meta;
      img.rootfs = root;
      img.size = meta.size + root.size;
      img.properties = Properties(img, label);
      out.push_back(std::move(img));
    }
  }
  return base::Ok();
}

base::Status ParseProduct(const std::string& id, const json& p, const std::string& name,
                          std::vector<Image>& out) {
  std::string where = name + ": product \"" + id + "\"";
  if (!p.is_object()) return Error::Invalid(where + " must be an object");
  Image base;
  base.product = id;
  base.product_arch = TRY(OptString(p, "arch", where));
  auto arch = KernelArchitecture(base.product_arch);
  if (!arch) return base::Ok();  // unknown architecture: skipped, as LXD does
  base.architecture = *arch;
  base.os = TRY(OptString(p, "os", where));
  base.release = TRY(OptString(p, "release", where));
  base.release_title = TRY(OptString(p, "release_title", where));
  base.variant = TRY(OptString(p, "variant", where));
  std::string aliases = TRY(OptString(p, "aliases", where));
  for (const std::string& a : base::Split(aliases, ',')) {
    std::string t(base::Trim(a));
    if (!t.empty()) base.aliases.push_back(t);
  }
  std::string eol = TRY(OptString(p, "support_eol", where));
  if (auto t = EolTime(eol)) base.expires_at = *t;
  auto versions = p.find("versions");
  if (versions == p.end() || versions->is_null()) return base::Ok();
  if (!versions->is_object()) return Error::Invalid(where + ": \"versions\" must be an object");
  for (auto it = versions->begin(); it != versions->end(); ++it) {
    auto created = SerialTime(it.key());
    if (!created) continue;  // not a date serial: skipped, as LXD does
    Image img = base;
    img.serial = it.key();
    img.created_at = *created;
    TRY(ParseVersion(img, it.value(), where + " version \"" + it.key() + "\"", out));
  }
  return base::Ok();
}

}  // namespace

base::Status ValidateRelativePath(std::string_view path, std::string_view what) {
  std::string w(what);
  auto refuse = [&](const std::string& why) {
    return Error::Invalid(w + " \"" + std::string(path) + "\" " + why +
                          " (paths must stay inside the stream's tree)");
  };
  if (path.empty()) return Error::Invalid(w + " is empty");
  if (path.front() == '/') return refuse("is absolute");
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return refuse("has a control character");
    if (c == '\\' || c == '?' || c == '#') return refuse(std::string("has a '") + c + "'");
  }
  size_t colon = path.find(':');
  size_t slash = path.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    return refuse("has a scheme");
  }
  for (const std::string& part : base::Split(path, '/')) {
    if (part.empty()) return refuse("has an empty component");
    if (part == "..") return refuse("has a \"..\" component");
    if (part == ".") return refuse("has a \".\" component");
  }
  return base::Ok();
}

base::Result<std::vector<std::string>> ParseIndex(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error::Invalid("index.json is not valid JSON (or not an object)");
  }
  auto index = j.find("index");
  if (index == j.end() || !index->is_object()) {
    return Error::Invalid("index.json: \"index\" must be an object");
  }
  std::vector<std::string> paths;
  for (auto it = index->begin(); it != index->end(); ++it) {
    std::string where = "index.json entry \"" + it.key() + "\"";
    if (!it->is_object()) return Error::Invalid(where + " must be an object");
    std::string datatype = TRY(OptString(*it, "datatype", where));
    if (datatype != "image-downloads") continue;
    auto products = it->find("products");
    if (products == it->end() || !products->is_array() || products->empty()) continue;
    std::string path = TRY(OptString(*it, "path", where));
    if (path.empty()) return Error::Invalid(where + " lacks \"path\"");
    TRY(ValidateRelativePath(path, where + " path"));
    paths.push_back(path);
  }
  return paths;
}

base::Result<std::vector<Image>> ParseProducts(std::string_view text, std::string_view name) {
  std::string n(name);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error::Invalid(n + " is not valid JSON (or not an object)");
  }
  auto products = j.find("products");
  if (products == j.end() || !products->is_object()) {
    return Error::Invalid(n + ": \"products\" must be an object");
  }
  std::vector<Image> out;
  for (auto it = products->begin(); it != products->end(); ++it) {
    TRY(ParseProduct(it.key(), it.value(), n, out));
  }
  return out;
}

std::optional<int64_t> SerialTime(std::string_view serial) {
  if (serial.size() < 8) return std::nullopt;
  auto day = DateTime(serial);
  if (!day) return std::nullopt;
  int hh, mm;
  if (serial.size() == 13 && serial[8] == '_' && Digits(serial, 9, 2, &hh) &&
      Digits(serial, 11, 2, &mm) && hh < 24 && mm < 60) {
    return *day + hh * 3600 + mm * 60;
  }
  return day;
}

std::vector<std::string> HostArchitectures(std::string_view native) {
  std::vector<std::string> out = {std::string(native)};
  if (native == "x86_64") out.push_back("i686");
  if (native == "aarch64") out.insert(out.end(), {"armv7l", "armv6l", "armv8l"});
  if (native == "ppc64") out.push_back("ppc");
  if (native == "mips64") out.push_back("mips");
  return out;
}

Catalog::Catalog(std::vector<Image> images) : images_(std::move(images)) {
  std::stable_sort(images_.begin(), images_.end(), [](const Image& a, const Image& b) {
    if (a.os != b.os) return a.os < b.os;
    if (a.release != b.release) return a.release < b.release;
    if (a.variant != b.variant) return a.variant < b.variant;
    if (a.serial != b.serial) return a.serial > b.serial;
    if (a.architecture != b.architecture) return a.architecture < b.architecture;
    return RootfsRank(a.rootfs_type) < RootfsRank(b.rootfs_type);
  });
  std::set<std::pair<std::string, std::string>> seen;
  for (const Image& img : images_) {
    for (const std::string& a : img.aliases) {
      for (const std::string& name : {a, a + "/" + img.product_arch}) {
        if (!seen.insert({name, img.architecture}).second) continue;
        aliases_.push_back({name, img.fingerprint, img.architecture});
      }
    }
  }
}

base::Result<const Image*> Catalog::ResolveAlias(std::string_view name,
                                                 std::string_view native) const {
  std::vector<const Alias*> matches;
  for (const Alias& a : aliases_) {
    if (a.name == name) matches.push_back(&a);
  }
  if (matches.empty()) {
    std::vector<std::string> known;
    for (const Alias& a : aliases_) {
      if (a.name.find('/') == std::string::npos &&
          std::find(known.begin(), known.end(), a.name) == known.end() && known.size() < 8) {
        known.push_back(a.name);
      }
    }
    return Error::NotFound("alias \"" + std::string(name) + "\" not found" +
                           (known.empty() ? "" : " (aliases: " + base::Join(known, ", ") + ")"));
  }
  const Alias* chosen = nullptr;
  for (const std::string& arch : HostArchitectures(native)) {
    for (const Alias* a : matches) {
      if (a->architecture == arch) {
        chosen = a;
        break;
      }
    }
    if (chosen) break;
  }
  if (!chosen) {
    // "name/arch" names exactly one architecture: the caller asked for it.
    if (name.find('/') != std::string_view::npos && matches.size() == 1) {
      chosen = matches[0];
    } else {
      std::vector<std::string> archs;
      for (const Alias* a : matches) archs.push_back(a->architecture);
      return Error::NotFound("alias \"" + std::string(name) + "\" has no image for " +
                             std::string(native) + " (it has: " + base::Join(archs, ", ") +
                             "; name one as " + std::string(name) + "/<arch>)");
    }
  }
  for (const Image& img : images_) {
    if (img.fingerprint == chosen->fingerprint) return &img;
  }
  return Error::Internal("alias \"" + std::string(name) + "\" points at a missing image");
}

base::Result<const Image*> Catalog::FindFingerprint(std::string_view prefix) const {
  const Image* found = nullptr;
  if (prefix.empty()) return Error::Invalid("empty fingerprint");
  for (const Image& img : images_) {
    if (!base::StartsWith(img.fingerprint, prefix)) continue;
    if (found && found->fingerprint != img.fingerprint) {
      return Error::Invalid("fingerprint prefix \"" + std::string(prefix) +
                            "\" matches more than one image");
    }
    if (!found) found = &img;
  }
  if (!found) return Error::NotFound("no image with fingerprint \"" + std::string(prefix) + "\"");
  return found;
}

std::vector<std::string> Catalog::AliasesOf(std::string_view fingerprint) const {
  std::vector<std::string> out;
  for (const Alias& a : aliases_) {
    if (a.fingerprint == fingerprint) out.push_back(a.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace nest::core::simplestreams
