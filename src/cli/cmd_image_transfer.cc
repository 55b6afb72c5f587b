// nest image import|export: image files to and from nestd, streamed both ways.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/unique_fd.h"
#include "cli/cmd_image.h"
#include "client/transfer.h"
#include "core/http_header.h"

namespace nest::cli {
namespace {

using nlohmann::json;

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string RandomHex(size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  unsigned char c = 0;
  for (size_t i = 0; i < n; ++i) {
    if (fd < 0 || ::read(fd, &c, 1) != 1) c = static_cast<unsigned char>(std::rand());
    out += kHex[c & 15];
  }
  if (fd >= 0) ::close(fd);
  return out;
}

// "Transferring image: 45%" on one updating stderr line, when it is a terminal.
std::function<void(uint64_t, uint64_t)> ProgressLine(const char* what) {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  auto last = std::make_shared<int>(-1);
  return [what, last](uint64_t done, uint64_t total) {
    int pct = total ? static_cast<int>(done * 100 / total) : 100;
    if (pct == *last) return;
    *last = pct;
    std::fprintf(stderr, "\r\033[K%s: %d%%", what, pct);
    if (done >= total) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  };
}

struct ImportArgs {
  std::vector<std::string> args;  // FILE [ROOTFS] [key=value...]
  std::vector<std::string> aliases;
  bool is_public = false;
};

base::Status EnsureAlias(Context& ctx, const std::string& name, const std::string& fp) {
  std::string path = "/1.0/images/aliases/" + PathEscape(name);
  // As lxc: an alias of that name moves to the new image.
  if (auto old = ctx.conn.Delete(path);
      !old.ok() && old.error().kind() != base::ErrorKind::kNotFound) {
    return std::move(old).error().Context("replacing alias " + name);
  }
  TRY_CTX(ctx.conn.Post("/1.0/images/aliases", {{"name", name}, {"target", fp}}),
          "creating alias " + name);
  return base::Ok();
}

base::Status Import(Context& ctx, const ImportArgs& a) {
  std::string meta, rootfs;
  std::string properties;
  for (const std::string& arg : a.args) {
    if (meta.empty()) {
      meta = arg;
    } else if (arg.find('=') != std::string::npos && !Exists(arg)) {
      auto [k, v] = TRY(ParseKeyValue(arg));
      properties += (properties.empty() ? "" : "&") + PathEscape(k) + "=" + PathEscape(v);
    } else if (rootfs.empty()) {
      rootfs = arg;
    } else {
      return base::Error::Invalid("unexpected argument \"" + arg +
                                  "\": expected FILE [ROOTFS] [KEY=VALUE...]");
    }
  }
  for (const std::string* f : {&meta, &rootfs}) {
    if (!f->empty() && IsDir(*f)) {
      return base::Error::Invalid(*f +
                                  " is a directory: pack it first (tar -cJf image.tar.xz "
                                  "-C DIR metadata.yaml rootfs templates)");
    }
  }
  client::Headers headers;
  std::vector<client::BodyPiece> body;
  if (rootfs.empty()) {
    headers.emplace_back("Content-Type", "application/octet-stream");
    body.push_back({"", meta});
  } else {
    std::string boundary = RandomHex(60);
    headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
    auto part = [&](const char* name, const std::string& file, bool first) {
      std::string h = first ? "" : "\r\n";
      h += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
           "\"; filename=\"" + Basename(file) + "\"\r\n" +
           "Content-Type: application/octet-stream\r\n\r\n";
      body.push_back({h, ""});
      body.push_back({"", file});
    };
    part("metadata", meta, true);
    part("rootfs", rootfs, false);
    body.push_back({"\r\n--" + boundary + "--\r\n", ""});
  }
  headers.emplace_back("X-LXD-filename", Basename(meta));
  if (a.is_public) headers.emplace_back("X-LXD-public", "true");
  if (!properties.empty()) headers.emplace_back("X-LXD-properties", properties);

  client::Response r = TRY_CTX(client::SendStreamed(ctx.conn, "POST", "/1.0/images", body, headers,
                                                    ProgressLine("Transferring image")),
                               "importing " + meta);
  if (!r.async)
    return base::Error::Internal("importing " + meta + ": nestd did not start an operation");
  json op = TRY_CTX(WaitWithProgress(ctx, r.metadata), "importing " + meta);
  std::string fp;
  if (auto md = op.find("metadata"); md != op.end() && md->is_object()) {
    fp = md->value("fingerprint", "");
  }
  if (fp.empty()) return base::Error::Internal("importing " + meta + ": no fingerprint returned");
  std::cout << "Image imported with fingerprint: " << fp << "\n" << std::flush;
  for (const auto& alias : a.aliases) TRY(EnsureAlias(ctx, alias, fp));
  return base::Ok();
}

// A file being written by export; removed unless Keep() was called.
class OutFile {
 public:
  base::Status Open(const std::string& path) {
    path_ = path;
    fd_ = base::UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd_) return base::Error::FromErrno("creating " + path, errno);
    return base::Ok();
  }
  base::Status Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return base::Error::FromErrno("writing " + path_, errno);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return base::Ok();
  }
  bool open() const { return fd_.valid(); }
  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }
  ~OutFile() {
    if (!path_.empty() && !keep_) ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  base::UniqueFd fd_;
  bool keep_ = false;
};

// A file name chosen by the server, reduced to a plain name inside the target dir.
base::Result<std::string> SafeName(const std::string& name, const std::string& fallback) {
  std::string n = Basename(name);
  if (n.empty() || n == "." || n == "..") n = fallback;
  return n;
}

base::Status Export(Context& ctx, const std::string& name, const std::string& target_arg) {
  json image = TRY(ResolveImage(ctx, name));
  std::string fp = image.value("fingerprint", "");
  std::string target = target_arg.empty() ? "." : target_arg;
  bool into_dir = IsDir(target);

  OutFile meta, rootfs;
  OutFile* current = nullptr;
  std::unique_ptr<client::MultipartSplitter> splitter;
  auto on_headers = [&](const client::Headers& hs) -> base::Status {
    std::string type, disposition;
    for (const auto& [k, v] : hs) {
      if (strcasecmp(k.c_str(), "Content-Type") == 0) type = v;
      if (strcasecmp(k.c_str(), "Content-Disposition") == 0) disposition = v;
    }
    std::string boundary = core::MultipartBoundary(type);
    if (boundary.empty()) {
      std::string file = TRY(SafeName(core::HeaderParameter(disposition, "filename"), fp));
      TRY(meta.Open(into_dir ? target + "/" + file : target));
      current = &meta;
      return base::Ok();
    }
    splitter = std::make_unique<client::MultipartSplitter>(
        boundary,
        [&](const std::string& part, const std::string& filename) -> base::Status {
          if (part == "metadata") {
            std::string file = TRY(SafeName(filename, "meta-" + fp));
            TRY(meta.Open(into_dir ? target + "/" + file : target));
            current = &meta;
          } else if (part == "rootfs" || part == "rootfs.img") {
            std::string file = TRY(SafeName(filename, fp + ".root"));
            TRY(rootfs.Open(into_dir ? target + "/" + file : target + ".root"));
            current = &rootfs;
          } else {
            return base::Error::Invalid("unexpected part \"" + part + "\" in the image export");
          }
          return base::Ok();
        },
        [&](std::string_view data) -> base::Status {
          if (!current) return base::Error::Invalid("image export: data outside any part");
          return current->Write(data);
        });
    return base::Ok();
  };
  auto on_data = [&](std::string_view chunk) -> base::Status {
    if (splitter) return splitter->Feed(chunk);
    return current->Write(chunk);
  };
  TRY_CTX(client::Download(ctx.conn, "/1.0/images/" + fp + "/export", on_headers, on_data),
          "exporting image " + name);
  if (splitter) TRY_CTX(splitter->Finish(), "exporting image " + name);
  if (!meta.open())
    return base::Error::Internal("exporting image " + name + ": no image file received");
  meta.Keep();
  rootfs.Keep();
  std::cout << "Image exported successfully!\n" << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterImageTransferCommands(CLI::App& image, Context& ctx) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* import = image.add_subcommand("import", "Import an image file (unified or split)");
  import->add_option("files", a->args, "FILE [ROOTFS] [KEY=VALUE...]")->required();
  import->add_option("--alias", a->aliases, "Alias for the new image (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  import->add_flag("--public", a->is_public, "Make the image public");
  import->footer(
      "FILE is a unified image (a tarball holding metadata.yaml and rootfs/), or with\n"
      "ROOTFS the metadata tarball of a split image whose rootfs is a squashfs or a\n"
      "tarball. Compression (gzip, xz, bzip2, lzma, zstd or none) is detected by\n"
      "content. The files are streamed to nestd, never read whole into memory.\n"
      "KEY=VALUE arguments set image properties. An --alias that already names\n"
      "another image is moved to the new one.\n\n"
      "The fingerprint is LXD's: sha256 of FILE, or of FILE followed by ROOTFS.\n\n"
      "Examples:\n"
      "  nest image import busybox.tar.gz --alias bb\n"
      "  nest image import meta.tar.xz rootfs.squashfs --alias deb12 --public\n"
      "  nest image import unified.tar.xz os=Debian release=12");
  import->callback([&ctx, a] { Run(ctx, [&] { return Import(ctx, *a);
});
}  // namespace nest::cli
);

struct ExportArgs {
  std::string image, target;
};
auto e = std::make_shared<ExportArgs>();
CLI::App* exp = image.add_subcommand("export", "Write an image's files");
exp->add_option("image", e->image, "Alias or fingerprint (prefix)")->required();
exp->add_option("target", e->target, "Directory (default: .) or file name");
exp->footer(
    "Into a directory the files get the names LXD gives them: <fingerprint>.tar.gz\n"
    "for a unified image; meta-<fingerprint>.tar.xz and <fingerprint>.squashfs for a\n"
    "split one. Given a file name, the (metadata) file is written there and a split\n"
    "image's rootfs beside it as <name>.root (as lxc image export).\n\n"
    "Examples:\n"
    "  nest image export bb\n"
    "  nest image export deb12 /tmp/images/\n"
    "  nest image export bb /tmp/bb.tar.gz");
exp->callback([&ctx, e] { Run(ctx, [&] { return Export(ctx, e->image, e->target); }); });
}

}  // namespace nest::cli
