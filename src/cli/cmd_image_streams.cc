// nest image export-streams DIR [IMAGE...]: local images as a simplestreams
// tree (core/streams_export.h) that any static web server can serve.
#include <fcntl.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <set>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "cli/cmd_image.h"
#include "cli/streams_dir.h"
#include "client/transfer.h"
#include "core/http_header.h"
#include "core/streams_export.h"
#include "core/time_format.h"

namespace nest::cli {
namespace {

using nlohmann::json;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(std::string_view data) { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }
  std::string Hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    return base::HexEncode(md, len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

// One file of an image being downloaded into the staging directory.
struct StagedFile {
  std::string part;  // "unified" | "metadata" | "rootfs"
  std::string path;
  base::UniqueFd fd;
  Sha256 sha;
  std::string head;  // the first bytes, for the file kind
  int64_t size = 0;

  base::Status Open(const std::string& p) {
    path = p;
    fd = base::UniqueFd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return base::Error::FromErrno("creating " + p, errno);
    return base::Ok();
  }
  base::Status Write(std::string_view data) {
    sha.Update(data);
    size += static_cast<int64_t>(data.size());
    if (head.size() < 264) head.append(data.substr(0, 264 - head.size()));
    while (!data.empty()) {
      ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return base::Error::FromErrno("writing " + path, errno);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return base::Ok();
  }
  base::Result<core::StreamsFile> Finish() {
    if (::fsync(fd.get()) < 0) return base::Error::FromErrno("fsync " + path, errno);
    core::StreamsFile f = TRY(core::StreamsFileFor(part, head));
    f.sha256 = sha.Hex();
    f.size = size;
    return f;
  }
};

struct StagedImage {
  core::StreamsImage image;
  std::string label;  // what the user named, or the short fingerprint
  std::string meta_path, rootfs_path;
};

base::Result<core::StreamsImage> Describe(const json& image) {
  core::StreamsImage out;
  out.fingerprint = image.value("fingerprint", "");
  out.architecture = image.value("architecture", "");
  std::string created = image.value("created_at", "");
  if (created.empty()) created = image.value("uploaded_at", "");
  int64_t nanos = TRY_CTX(core::ParseRfc3339(created), "image " + out.fingerprint + " created_at");
  out.created_at = nanos / 1000000000;
  if (auto p = image.find("properties"); p != image.end() && p->is_object()) {
    for (const auto& [k, v] : p->items()) {
      if (v.is_string()) out.properties[k] = v.get<std::string>();
    }
  }
  if (auto a = image.find("aliases"); a != image.end() && a->is_array()) {
    for (const json& alias : *a) {
      if (alias.is_object() && alias.contains("name")) out.aliases.push_back(alias["name"]);
    }
  }
  return out;
}

// Downloads the image's files into `staging`, hashing them on the way, and checks
// that they add up to its fingerprint.
base::Result<StagedImage> Stage(Context& ctx, const json& image, const std::string& label,
                                const std::string& staging) {
  StagedImage out;
  out.label = label;
  out.image = TRY(Describe(image));
  const std::string& fp = out.image.fingerprint;
  StagedFile meta, rootfs;
  StagedFile* current = nullptr;
  Sha256 combined;
  std::unique_ptr<client::MultipartSplitter> splitter;
  auto write = [&](std::string_view data) -> base::Status {
    if (!current) return base::Error::Invalid("data outside any part of the export");
    combined.Update(data);
    return current->Write(data);
  };
  auto on_headers = [&](const client::Headers& hs) -> base::Status {
    std::string type;
    for (const auto& [k, v] : hs) {
      if (strcasecmp(k.c_str(), "Content-Type") == 0) type = v;
    }
    std::string boundary = core::MultipartBoundary(type);
    if (boundary.empty()) {
      meta.part = "unified";
      TRY(meta.Open(staging + "/" + fp + ".meta"));
      current = &meta;
      return base::Ok();
    }
    splitter = std::make_unique<client::MultipartSplitter>(
        boundary,
        [&](const std::string& part, const std::string&) -> base::Status {
          if (part == "metadata" && !meta.fd) {
            meta.part = "metadata";
            TRY(meta.Open(staging + "/" + fp + ".meta"));
            current = &meta;
          } else if (part == "rootfs" && meta.fd && !rootfs.fd) {
            rootfs.part = "rootfs";
            TRY(rootfs.Open(staging + "/" + fp + ".rootfs"));
            current = &rootfs;
          } else if (part == "rootfs.img") {
            return base::Error::Invalid("virtual-machine images cannot be exported as streams");
          } else {
            return base::Error::Invalid("unexpected part \"" + part + "\"");
          }
          return base::Ok();
        },
        write);
    return base::Ok();
  };
  auto on_data = [&](std::string_view chunk) -> base::Status {
    if (splitter) return splitter->Feed(chunk);
    return write(chunk);
  };
  std::string what = "exporting image " + label + " (" + fp.substr(0, 12) + ")";
  TRY_CTX(client::Download(ctx.conn, "/1.0/images/" + fp + "/export", on_headers, on_data), what);
  if (splitter) TRY_CTX(splitter->Finish(), what);
  if (!meta.fd) return base::Error::Internal(what + ": no image file received");
  if (meta.part == "metadata" && !rootfs.fd)
    return base::Error::Internal(what + ": a split image without its rootfs part");
  out.image.meta = TRY_CTX(meta.Finish(), what);
  out.meta_path = meta.path;
  if (rootfs.fd) {
    out.image.rootfs = TRY_CTX(rootfs.Finish(), what);
    out.rootfs_path = rootfs.path;
  }
  std::string sum = combined.Hex();
  if (sum != fp) {
    return base::Error::Internal(what + ": the exported files hash to " + sum +
                                 ", not the image's fingerprint");
  }
  return out;
}

struct StreamsArgs {
  std::string dir;
  std::vector<std::string> images;
  bool all = false;
  bool prune = false;
};

// The images to export, each with the name the user gave (or its short fingerprint).
base::Result<std::vector<std::pair<json, std::string>>> Select(Context& ctx, const StreamsArgs& a) {
  std::vector<std::pair<json, std::string>> out;
  std::set<std::string> seen;
  if (a.images.empty()) {
    json all = TRY_CTX(ctx.conn.Get("/1.0/images?recursion=1"), "listing images");
    for (const json& image : all) {
      if (!a.all && !image.value("public", false)) continue;
      std::string fp = image.value("fingerprint", "");
      if (seen.insert(fp).second) out.emplace_back(image, fp.substr(0, 12));
    }
    if (out.empty()) {
      return base::Error::NotFound(a.all ? "there are no images to export"
                                         : "there are no public images to export (name them, "
                                           "or use --all to include private ones)");
    }
    return out;
  }
  for (const std::string& name : a.images) {
    json image = TRY(ResolveImage(ctx, name));
    if (seen.insert(image.value("fingerprint", "")).second) out.emplace_back(image, name);
  }
  return out;
}

std::string Rfc2822Now() {
  char buf[64];
  time_t now = ::time(nullptr);
  struct tm tm {};
  ::gmtime_r(&now, &tm);
  ::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

base::Status ExportStreams(Context& ctx, const StreamsArgs& a) {
  auto selected = TRY(Select(ctx, a));
  std::unique_ptr<StreamsDir> dir = TRY(StreamsDir::Open(a.dir));
  core::StreamsTree tree = TRY_CTX(core::ParseStreamsTree(dir->index_text(), dir->products_text()),
                                   "reading the tree " + a.dir);

  std::vector<StagedImage> staged;
  std::vector<core::StreamsImage> images;
  for (const auto& [image, label] : selected) {
    if (core::StreamsTreeHas(tree, image.value("fingerprint", ""))) {
      staged.push_back({TRY(Describe(image)), label, "", ""});  // no need to fetch its files
    } else {
      staged.push_back(TRY(Stage(ctx, image, label, dir->staging())));
    }
    images.push_back(staged.back().image);
  }
  core::StreamsUpdate up = TRY_CTX(core::UpdateStreamsTree(tree, images, {a.prune, Rfc2822Now()}),
                                   "exporting to " + a.dir);

  std::map<std::string, const StagedImage*> by_fp;
  for (const StagedImage& s : staged) by_fp[s.image.fingerprint] = &s;
  std::vector<std::pair<std::string, std::string>> moves;
  for (const core::StreamsPlacement& p : up.new_files) {
    const StagedImage* s = by_fp.at(p.fingerprint);
    moves.emplace_back(p.rootfs ? s->rootfs_path : s->meta_path, p.path);
  }
  TRY_CTX(dir->Commit(moves, up.products, up.index), "writing the tree " + a.dir);
  dir->RemoveFiles(up.removed_files);

  std::set<std::string> reused(up.reused.begin(), up.reused.end());
  for (const StagedImage& s : staged) {
    const std::string& fp = s.image.fingerprint;
    std::string where;
    for (const auto& [id, product] : up.products["products"].items()) {
      for (const auto& [serial, version] : product["versions"].items()) {
        if (core::StreamsVersionFingerprint(version) == fp) where = id + " " + serial;
      }
    }
    std::cout << (reused.count(fp) ? "Already in the tree: " : "Exported: ") << s.label << " ("
              << fp.substr(0, 12) << ") as " << where << "\n";
  }
  if (!up.removed_files.empty())
    std::cout << "Pruned " << up.removed_files.size() << " file(s) of older versions\n";
  std::cout << "Tree " << a.dir << ": " << up.products["products"].size()
            << " product(s); serve it over HTTPS and add it with\n"
            << "  nest remote add NAME https://HOST/PATH --protocol simplestreams\n"
            << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterImageStreamsCommand(CLI::App& image, Context& ctx) {
  auto a = std::make_shared<StreamsArgs>();
  CLI::App* cmd =
      image.add_subcommand("export-streams", "Write images as a simplestreams tree (a remote)");
  cmd->add_option("dir", a->dir, "The tree's directory (created when missing)")->required();
  cmd->add_option("images", a->images, "Aliases or fingerprints (default: every public image)");
  cmd->add_flag("--all", a->all, "With no IMAGE: every image, private ones too");
  cmd->add_flag("--prune", a->prune,
                "Keep only the images of this run: drop older versions and their files");
  cmd->footer(
      "Writes DIR/streams/v1/index.json, DIR/streams/v1/images.json and the image\n"
      "files under DIR/images/<os>/<release>/<arch>/<variant>/<serial>/, the layout\n"
      "LXD's simplestreams client reads (lxd.tar.xz + rootfs.squashfs or root.tar.xz\n"
      "for split images, lxd_combined.tar.gz for unified ones). One product per\n"
      "os:release:arch:variant (image properties; arch in Debian naming), one version\n"
      "per image, serial YYYYMMDD_HHMM of its creation date; product aliases are the\n"
      "images' aliases. Fingerprints stay the same: the combined hashes are nest's.\n\n"
      "Running it again on the same DIR merges: new images are added, images already\n"
      "there are kept, and older serials stay unless --prune. Files are staged inside\n"
      "DIR and moved into place, then images.json and index.json are replaced by\n"
      "rename, so a server never serves a half-written tree. DIR must be new, empty,\n"
      "or a tree written by export-streams.\n\n"
      "Examples:\n"
      "  nest image export-streams /srv/streams bb debian/12\n"
      "  nest image export-streams /srv/streams --all --prune\n"
      "  (cd /srv/streams && python3 -m http.server)   # plain HTTP: nest only;\n"
      "                                                # LXD wants https");
  cmd->callback([&ctx, a] { Run(ctx, [&] { return ExportStreams(ctx, *a); }); });
}

}  // namespace nest::cli
