// POST /1.0/images: upload of an image as LXD's client sends it.
//   unified: the tarball as the raw body (Content-Type application/octet-stream);
//   split:   multipart/form-data with parts "metadata" then "rootfs".
// Headers: X-LXD-public, X-LXD-filename, X-LXD-properties (url-encoded k=v&…),
// X-LXD-fingerprint (expected fingerprint). The response is an operation whose
// metadata on success is {"fingerprint": fp, "size": "<bytes>"} (a string, as LXD).
//
// The server spools the body into a temporary file of the store
// (http::Request::body_file, Router::SpoolBody); the handler moves it (unified)
// or splits it (multipart, through a read-only mapping) into a temporary
// directory of the store (".tmp-upload-*", removed by ImageStore::CleanTemporary
// after a crash) before the operation starts. No image is ever held in memory.
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "base/log.h"
#include "base/strings.h"
#include "core/http_header.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_publish.h"
#include "daemon/image_upload.h"
#include "daemon/multipart.h"
#include "daemon/routes.h"
#include "storage/tarball.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// sha256 of the concatenation of `pieces`: LXD's fingerprint of a unified
// image (one piece) or of a split one (metadata, then rootfs).
std::string Sha256Of(std::initializer_list<std::string_view> pieces) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  for (auto p : pieces) EVP_DigestUpdate(md.get(), p.data(), p.size());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(md.get(), out, &len);
  return base::HexEncode(out, len);
}

bool IsTrue(std::string_view v) {
  std::string s(v);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "1" || s == "yes" || s == "on";
}

// "a=b&c=d%20e" → {a: b, c: "d e"}; the first value of a repeated key wins, as
// LXD reads url.ParseQuery's pv[0].
std::map<std::string, std::string> ParseQueryString(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& pair : base::Split(text, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = http::UrlDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string::npos ? "" : http::UrlDecode(pair.substr(eq + 1), true);
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

// Writes all of `data` to `fd` (the file `path`).
base::Status WriteAll(int fd, const std::string& path, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return base::Error::FromErrno("writing " + path, errno);
    data.remove_prefix(static_cast<size_t>(w));
  }
  return base::Ok();
}

// Writes `data` to a new file.
base::Status WriteRange(const std::string& path, std::string_view data) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return base::Error::FromErrno("creating " + path, errno);
  return WriteAll(fd.get(), path, data);
}

// A read-only mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  static base::Result<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return base::Error::FromErrno("opening " + path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return base::Error::FromErrno("stat " + path, errno);
    auto m = std::unique_ptr<MappedFile>(new MappedFile());
    m->size_ = static_cast<size_t>(st.st_size);
    if (m->size_ == 0) return m;
    void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) return base::Error::FromErrno("mmap " + path, errno);
    m->data_ = static_cast<const char*>(p);
    return m;
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_ == nullptr ? "" : data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// The body as a file of the store: the spooled one, or (a request built in
// memory, as in tests) the body written to one. The caller owns the result.
base::Result<std::string> BodyFile(const std::string& images, Request& req) {
  if (!req.body_file.empty()) {
    std::string path = std::move(req.body_file);
    req.body_file.clear();
    return path;
  }
  std::string tmpl = images + "/.tmp-body-XXXXXX";
  base::UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) return base::Error::FromErrno("creating a file in " + images, errno);
  if (auto s = WriteAll(fd.get(), tmpl, req.body); !s) {
    ::unlink(tmpl.c_str());
    return std::move(s).error();
  }
  req.body.clear();
  req.body.shrink_to_fit();
  return tmpl;
}

base::Result<UploadedImage> SaveUpload(Context& ctx, Request& req) {
  std::string images = ctx.paths.Images();
  TRY(sys::MkdirAll(images, 0700));
  std::string body = TRY(BodyFile(images, req));
  std::unique_ptr<void, std::function<void(void*)>> remove_body(&body, [](void* p) {
    auto* path = static_cast<std::string*>(p);
    if (!path->empty()) ::unlink(path->c_str());
  });

  UploadedImage up;
  std::string tmpl = images + "/.tmp-upload-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return base::Error::FromErrno("mkdtemp " + tmpl, errno);
  up.dir = tmpl;
  std::unique_ptr<void, std::function<void(void*)>> remove_dir(
      &up, [](void* p) { (void)sys::RemoveAll(static_cast<UploadedImage*>(p)->dir); });

  std::string boundary = core::MultipartBoundary(req.Header("Content-Type"));
  if (!boundary.empty()) {
    auto map = TRY(MappedFile::Open(body));
    std::vector<MultipartPart> parts =
        TRY_CTX(ParseMultipart(map->view(), boundary), "reading the split image upload");
    if (parts.size() != 2 || parts[0].name != "metadata" ||
        (parts[1].name != "rootfs" && parts[1].name != "rootfs.img")) {
      return base::Error::Invalid(
          "Invalid multipart image: expected the parts \"metadata\" then \"rootfs\"");
    }
    if (parts[1].name == "rootfs.img") {
      return base::Error::Invalid("virtual-machine images are not supported (part \"rootfs.img\")");
    }
    up.fingerprint = Sha256Of({parts[0].data, parts[1].data});
    up.size = static_cast<int64_t>(parts[0].data.size() + parts[1].data.size());
    up.filename = parts[1].filename;
    up.metadata_path = up.dir + "/metadata";
    up.rootfs_path = up.dir + "/rootfs";
    TRY(WriteRange(up.metadata_path, parts[0].data));
    TRY(WriteRange(up.rootfs_path, parts[1].data));
  } else {
    struct stat st {};
    if (::stat(body.c_str(), &st) != 0) return base::Error::FromErrno("stat " + body, errno);
    if (st.st_size == 0) return base::Error::Invalid("empty image upload");
    up.fingerprint = TRY(storage::Sha256File(body));
    up.size = static_cast<int64_t>(st.st_size);
    up.filename = req.Header("X-LXD-filename");
    up.metadata_path = up.dir + "/image";
    TRY(sys::Rename(body, up.metadata_path));
    body.clear();
  }
  std::string expected = req.Header("X-LXD-fingerprint");
  if (!expected.empty() && expected != up.fingerprint) {
    return base::Error::Invalid("fingerprints don't match, got " + up.fingerprint + " expected " +
                                expected);
  }
  if (ctx.db->GetImage(up.fingerprint)) {
    return base::Error::Conflict("Image with same fingerprint already exists");
  }
  up.is_public = IsTrue(req.Header("X-LXD-public"));
  up.properties = ParseQueryString(req.Header("X-LXD-properties"));
  (void)remove_dir.release();
  return up;
}

Response Post(Context& ctx, InstanceManager& im, Request& req) {
  std::string type = req.Header("Content-Type");
  if (base::StartsWith(type, "application/json")) {
    auto body = http::ParseJsonBody(req);
    if (!body) return Response::Error(body.error());
    std::string source = body->is_object() && (*body)["source"].is_object()
                             ? (*body)["source"].value("type", "")
                             : "";
    if (source == "container" || source == "instance") return PostPublish(ctx, im, *body);
    if (source == "image") return PostImagePull(ctx, *body);
    return Response::Error(base::Error::Invalid(
        "creating an image from a \"" + source +
        "\" source is not supported: upload the image file (nest image import) or pull it "
        "from a remote (source type \"image\")"));
  }
  auto saved = SaveUpload(ctx, req);
  if (!saved) return Response::Error(saved.error());
  auto up = std::make_shared<UploadedImage>(std::move(*saved));
  auto op = ctx.operations->Create("task", "Downloading image", {}, nullptr,
                                   [&ctx, up](ops::Operation& op) -> base::Status {
                                     base::Status s = ImportAndRecord(ctx, *up, op);
                                     (void)sys::RemoveAll(up->dir);
                                     return s;
                                   });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

}  // namespace

void RegisterImageUploadRoutes(http::Router& router, Context& ctx, InstanceManager& im) {
  router.Add("POST", "/1.0/images", [&ctx, &im](Request& r) { return Post(ctx, im, r); });
  if (auto s = sys::MkdirAll(ctx.paths.Images(), 0700); !s) {
    base::LogWarn("image uploads will fail: " + s.error().message());
  }
  router.SpoolBody("POST", "/1.0/images", ctx.paths.Images());
}

}  // namespace nest::daemon
