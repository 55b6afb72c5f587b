#include "daemon/remote_source.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "core/http_header.h"
#include "core/image_metadata.h"
#include "core/simplestreams.h"
#include "core/time_format.h"
#include "core/url.h"
#include "daemon/download/http_fetch.h"
#include "daemon/multipart.h"

namespace nest::daemon {
namespace {

using base::Error;
using nlohmann::json;
namespace ss = core::simplestreams;

constexpr int64_t kMaxIndexBytes = int64_t{32} << 20;
// Bound on one downloaded image file when the remote does not state its size.
constexpr int64_t kMaxImageBytes = int64_t{64} << 30;

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// sha256 of the concatenation of files.
base::Result<std::string> Sha256Files(const std::vector<std::string>& paths) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  for (const std::string& p : paths) {
    base::UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::FromErrno("opening " + p, errno);
    for (;;) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::FromErrno("reading " + p, errno);
      if (n == 0) break;
      EVP_DigestUpdate(md.get(), buf.data(), static_cast<size_t>(n));
    }
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(md.get(), out, &len);
  return base::HexEncode(out, len);
}

download::FetchOptions Options(const RemoteServer& server) {
  download::FetchOptions o;
  o.pinned_certificate = server.certificate;
  return o;
}

base::Status CheckFingerprint(const std::vector<std::string>& files, const std::string& expected,
                              const std::string& what) {
  std::string got = TRY(Sha256Files(files));
  if (got != expected) {
    return Error::Invalid(what + ": fingerprint mismatch: the downloaded files hash to " + got +
                          ", the remote announced " + expected);
  }
  return base::Ok();
}

// --- simplestreams ----------------------------------------------------------------

class SimplestreamsSource : public RemoteSource {
 public:
  explicit SimplestreamsSource(RemoteServer server) : server_(std::move(server)) {}

  base::Result<RemoteImage> ResolveAlias(const std::string& alias) override {
    TRY(Load());
    const ss::Image* img =
        TRY_CTX(catalog_->ResolveAlias(alias, server_.native_arch), "remote " + server_.server);
    return Describe(*img);
  }

  base::Result<RemoteImage> ResolveFingerprint(const std::string& fp) override {
    TRY(Load());
    const ss::Image* img = TRY_CTX(catalog_->FindFingerprint(fp), "remote " + server_.server);
    return Describe(*img);
  }

  base::Result<DownloadedFiles> Download(const RemoteImage& image, const std::string& dir,
                                         const ProgressFn& progress) override {
    TRY(Load());
    const ss::Image* img = TRY(catalog_->FindFingerprint(image.fingerprint));
    DownloadedFiles out;
    out.image = dir + "/" + (img->rootfs ? "metadata" : "image");
    TRY(Fetch(img->meta, out.image, img->rootfs ? "metadata" : "rootfs", progress));
    std::vector<std::string> files = {out.image};
    if (img->rootfs) {
      out.rootfs = dir + "/rootfs";
      TRY(Fetch(*img->rootfs, out.rootfs, "rootfs", progress));
      files.push_back(out.rootfs);
      TRY(CheckFingerprint(files, img->fingerprint, "image " + img->fingerprint));
    }
    return out;
  }

 private:
  base::Status Load() {
    if (catalog_) return base::Ok();
    auto opts = Options(server_);
    opts.max_bytes = kMaxIndexBytes;
    std::string index_url = core::JoinUrl(server_.server, "streams/v1/index.json");
    auto index = TRY(download::FetchToString(index_url, opts));
    if (index.status != 200) {
      auto kind = index.status == 404 ? base::ErrorKind::kNotFound : base::ErrorKind::kUnavailable;
      return Error(kind, "GET " + index_url + ": HTTP " + std::to_string(index.status) +
                             (index.status == 404 ? " (is this a simplestreams server?)" : ""));
    }
    auto paths = TRY_CTX(ss::ParseIndex(index.body), "remote " + server_.server);
    std::vector<ss::Image> images;
    for (const std::string& path : paths) {
      std::string url = core::JoinUrl(server_.server, path);
      auto products = TRY(download::FetchToString(url, opts));
      if (products.status != 200) {
        return Error::Unavailable("GET " + url + ": HTTP " + std::to_string(products.status));
      }
      auto more = TRY_CTX(ss::ParseProducts(products.body, path), "remote " + server_.server);
      images.insert(images.end(), more.begin(), more.end());
    }
    catalog_ = std::make_unique<ss::Catalog>(std::move(images));
    return base::Ok();
  }

  RemoteImage Describe(const ss::Image& img) const {
    RemoteImage r;
    r.fingerprint = img.fingerprint;
    r.architecture = img.architecture;
    r.filename = Basename(img.meta.path);
    r.size = img.size;
    r.created_at = img.created_at;
    r.expires_at = img.expires_at;
    r.split = img.rootfs.has_value();
    r.properties = img.properties;
    r.aliases = catalog_->AliasesOf(img.fingerprint);
    return r;
  }

  base::Status Fetch(const ss::File& file, const std::string& out, const std::string& what,
                     const ProgressFn& progress) {
    auto opts = Options(server_);
    opts.max_bytes = file.size;
    opts.progress = [&](int64_t done, int64_t total) {
      if (progress) progress(what, done, total > 0 ? total : file.size);
    };
    std::string url = core::JoinUrl(server_.server, file.path);
    auto got = TRY(download::FetchToFile(url, out, opts));
    if (got.bytes != file.size) {
      return Error::Invalid("GET " + url + ": got " + std::to_string(got.bytes) +
                            " bytes, the stream says " + std::to_string(file.size));
    }
    if (got.sha256 != file.sha256) {
      return Error::Invalid("GET " + url + ": sha256 mismatch: got " + got.sha256 +
                            ", the stream says " + file.sha256);
    }
    return base::Ok();
  }

  RemoteServer server_;
  std::unique_ptr<ss::Catalog> catalog_;
};

// --- LXD protocol ---------------------------------------------------------------------

using core::PathEscape;

// Writes [data, data+n) to a new file.
base::Status WriteRange(const std::string& path, const char* data, size_t n) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::FromErrno("creating " + path, errno);
  while (n > 0) {
    ssize_t w = ::write(fd.get(), data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Error::FromErrno("writing " + path, errno);
    data += w;
    n -= static_cast<size_t>(w);
  }
  return base::Ok();
}

// Splits a multipart export body (a file) into the metadata and rootfs parts.
base::Status SplitMultipart(const std::string& body_path, const std::string& boundary,
                            const DownloadedFiles& out) {
  base::UniqueFd fd(::open(body_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("opening " + body_path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::FromErrno("stat " + body_path, errno);
  if (st.st_size == 0) return Error::Invalid("empty multipart export");
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return Error::FromErrno("mmap " + body_path, errno);
  std::unique_ptr<void, std::function<void(void*)>> unmap(
      map, [size = st.st_size](void* p) { ::munmap(p, static_cast<size_t>(size)); });
  std::string_view body(static_cast<const char*>(map), static_cast<size_t>(st.st_size));
  auto parts = TRY_CTX(ParseMultipart(body, boundary), "the split image export");
  if (parts.size() != 2 || parts[0].name != "metadata" || parts[1].name != "rootfs") {
    return Error::Invalid(
        "the split image export must have the parts \"metadata\" then \"rootfs\"");
  }
  TRY(WriteRange(out.image, parts[0].data.data(), parts[0].data.size()));
  TRY(WriteRange(out.rootfs, parts[1].data.data(), parts[1].data.size()));
  return base::Ok();
}

class LxdSource : public RemoteSource {
 public:
  explicit LxdSource(RemoteServer server) : server_(std::move(server)) {
    // The LXD API lives at the server's root, whatever path the URL carries.
    auto url = core::ParseUrl(server_.server);
    base_ = url.ok() ? url->Origin() : server_.server;
    if (url.ok() && url->scheme == "unix") {
      unix_socket_ = url->path;
      base_ = "http://unix.socket";
    }
  }

  base::Result<RemoteImage> ResolveAlias(const std::string& alias) override {
    json entry = TRY(Get("/1.0/images/aliases/" + PathEscape(alias), "alias \"" + alias + "\""));
    std::string target = entry.value("target", "");
    if (target.empty()) return Error::Invalid("remote alias \"" + alias + "\" has no target");
    return ResolveFingerprint(target);
  }

  base::Result<RemoteImage> ResolveFingerprint(const std::string& fp) override {
    auto r = Describe(fp);
    if (!r) return Redacted(std::move(r).error());
    return r;
  }

  base::Result<DownloadedFiles> Download(const RemoteImage& image, const std::string& dir,
                                         const ProgressFn& progress) override {
    auto r = Export(image, dir, progress);
    if (!r) return Redacted(std::move(r).error());
    return r;
  }

 private:
  base::Result<RemoteImage> Describe(const std::string& fp) {
    json j = TRY(Get("/1.0/images/" + PathEscape(fp) + SecretQuery(), "image \"" + fp + "\""));
    RemoteImage r;
    r.fingerprint = j.value("fingerprint", "");
    if (r.fingerprint.size() != 64) {
      return Error::Invalid("remote " + server_.server + ": image \"" + fp +
                            "\" has no valid fingerprint");
    }
    r.architecture = TRY_CTX(core::KernelArchitecture(j.value("architecture", "")),
                             "remote image " + r.fingerprint);
    r.filename = j.value("filename", "");
    if (j.contains("size") && j["size"].is_number_integer()) r.size = j["size"].get<int64_t>();
    if (j.contains("properties") && j["properties"].is_object()) {
      for (auto it = j["properties"].begin(); it != j["properties"].end(); ++it) {
        if (it->is_string()) r.properties[it.key()] = it->get<std::string>();
      }
    }
    if (j.contains("aliases") && j["aliases"].is_array()) {
      for (const auto& a : j["aliases"]) {
        if (a.is_object() && a.value("name", "") != "") r.aliases.push_back(a.value("name", ""));
      }
    }
    if (auto t = core::ParseRfc3339(j.value("created_at", "")); t.ok())
      r.created_at = *t / 1000000000;
    if (auto t = core::ParseRfc3339(j.value("expires_at", "")); t.ok())
      r.expires_at = *t / 1000000000;
    return r;
  }

  base::Result<DownloadedFiles> Export(const RemoteImage& image, const std::string& dir,
                                       const ProgressFn& progress) {
    auto opts = Opts();
    opts.max_bytes = image.size > 0 ? image.size + (int64_t{1} << 20) : kMaxImageBytes;
    opts.progress = [&](int64_t done, int64_t total) {
      if (progress) progress("rootfs", done, total > 0 ? total : image.size);
    };
    std::string url = base_ + "/1.0/images/" + image.fingerprint + "/export" + SecretQuery();
    std::string body = dir + "/export";
    auto got = TRY(download::FetchToFile(url, body, opts));
    std::string boundary = core::MultipartBoundary(got.content_type);
    DownloadedFiles out;
    if (boundary.empty()) {
      if (got.sha256 != image.fingerprint) {
        return Error::Invalid("GET " + url + ": fingerprint mismatch: got " + got.sha256 +
                              ", expected " + image.fingerprint);
      }
      out.image = body;
      return out;
    }
    out.image = dir + "/metadata";
    out.rootfs = dir + "/rootfs";
    TRY_CTX(SplitMultipart(body, boundary, out), "GET " + url);
    (void)::unlink(body.c_str());
    TRY(CheckFingerprint({out.image, out.rootfs}, image.fingerprint, "GET " + url));
    return out;
  }

  base::Result<json> Get(const std::string& path, const std::string& what) {
    auto opts = Opts();
    opts.max_bytes = kMaxIndexBytes;
    std::string url = base_ + path;
    auto got = TRY(download::FetchToString(url, opts));
    json env = json::parse(got.body, nullptr, false);
    if (env.is_discarded() || !env.is_object()) {
      return Error::Unavailable("GET " + url + ": HTTP " + std::to_string(got.status) +
                                ", not an LXD API answer");
    }
    if (got.status == 404 || env.value("error_code", 0) == 404) {
      return Error::NotFound("remote " + server_.server + ": " + what + " not found");
    }
    if (got.status == 403 || got.status == 401) {
      return Error(base::ErrorKind::kForbidden, "remote " + server_.server + ": " + what +
                                                    ": not allowed (" + env.value("error", "") +
                                                    ")");
    }
    if (got.status != 200) {
      return Error::Unavailable("remote " + server_.server + ": " + what + ": HTTP " +
                                std::to_string(got.status) + " " + env.value("error", ""));
    }
    if (!env.contains("metadata") || !env["metadata"].is_object()) {
      return Error::Invalid("GET " + url + ": the answer carries no metadata object");
    }
    return env["metadata"];
  }

  // Errors name the URLs fetched; the secret must not travel on in them
  // (operation errors, logs).
  base::Error Redacted(base::Error e) const {
    if (server_.secret.empty()) return e;
    std::string m = e.message();
    for (const std::string& s : {server_.secret, PathEscape(server_.secret)}) {
      for (size_t at; (at = m.find(s)) != std::string::npos;) m.replace(at, s.size(), "(secret)");
    }
    return base::Error(e.kind(), std::move(m));
  }

  // "?secret=S" when the request carries a private image's secret, else "".
  std::string SecretQuery() const {
    return server_.secret.empty() ? "" : "?secret=" + PathEscape(server_.secret);
  }

  download::FetchOptions Opts() const {
    auto o = Options(server_);
    o.unix_socket = unix_socket_;
    return o;
  }

  RemoteServer server_;
  std::string base_;
  std::string unix_socket_;
};

}  // namespace

base::Result<std::unique_ptr<RemoteSource>> OpenRemoteSource(const RemoteServer& server) {
  core::Url url = TRY_CTX(core::ParseUrl(server.server), "remote server");
  if (server.protocol == "simplestreams") {
    if (url.scheme == "unix") {
      return Error::Invalid("a simplestreams remote is served over http or https, not " +
                            server.server);
    }
    return std::unique_ptr<RemoteSource>(std::make_unique<SimplestreamsSource>(server));
  }
  if (server.protocol == "lxd" || server.protocol.empty()) {
    return std::unique_ptr<RemoteSource>(std::make_unique<LxdSource>(server));
  }
  return Error::Invalid("unknown image server protocol \"" + server.protocol +
                        "\" (use simplestreams or lxd)");
}

}  // namespace nest::daemon
