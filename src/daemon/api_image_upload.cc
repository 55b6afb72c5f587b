// POST /1.0/images: upload of an image as LXD's client sends it.
//   unified: the tarball as the raw body (Content-Type application/octet-stream);
//   split:   multipart/form-data with parts "metadata" then "rootfs".
// Headers: X-LXD-public, X-LXD-filename, X-LXD-properties (url-encoded k=v&…),
// X-LXD-fingerprint (expected fingerprint). The response is an operation whose
// metadata on success is {"fingerprint": fp, "size": "<bytes>"} (a string, as LXD).
//
// The server holds the request body in memory (http::Request::body); the handler
// writes it to a temporary directory of the store (".tmp-upload-*", removed by
// ImageStore::CleanTemporary after a crash) before the operation starts, so the
// body is freed as soon as the response is sent.
#include <openssl/evp.h>
#include <stdlib.h>

#include <memory>

#include "base/strings.h"
#include "core/http_header.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_publish.h"
#include "daemon/image_upload.h"
#include "daemon/multipart.h"
#include "daemon/routes.h"
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

base::Result<UploadedImage> SaveUpload(Context& ctx, const Request& req) {
  UploadedImage up;
  std::string boundary = core::MultipartBoundary(req.Header("Content-Type"));
  std::vector<MultipartPart> parts;
  if (!boundary.empty()) {
    parts = TRY_CTX(ParseMultipart(req.body, boundary), "reading the split image upload");
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
  } else {
    if (req.body.empty()) return base::Error::Invalid("empty image upload");
    up.fingerprint = Sha256Of({req.body});
    up.size = static_cast<int64_t>(req.body.size());
    up.filename = req.Header("X-LXD-filename");
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

  std::string images = ctx.paths.Images();
  TRY(sys::MkdirAll(images, 0700));
  std::string tmpl = images + "/.tmp-upload-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return base::Error::FromErrno("mkdtemp " + tmpl, errno);
  up.dir = tmpl;
  auto write = [&](const std::string& path, std::string_view data) -> base::Status {
    auto s = sys::WriteFileAtomic(path, std::string(data), 0600);
    if (!s) (void)sys::RemoveAll(up.dir);
    return s;
  };
  if (!parts.empty()) {
    up.metadata_path = up.dir + "/metadata";
    up.rootfs_path = up.dir + "/rootfs";
    TRY(write(up.metadata_path, parts[0].data));
    TRY(write(up.rootfs_path, parts[1].data));
  } else {
    up.metadata_path = up.dir + "/image";
    TRY(write(up.metadata_path, req.body));
  }
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
  req.body.clear();
  req.body.shrink_to_fit();
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
}

}  // namespace nest::daemon
