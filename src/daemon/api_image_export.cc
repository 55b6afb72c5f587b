// GET /1.0/images/<fingerprint>/export[?secret=S]: the image files as LXD serves them.
// A private image's secret (image_secrets.h) is used up here.
//   unified: the file, Content-Disposition: inline;filename=<fp><ext>;
//   split:   multipart/form-data, part "metadata" (filename meta-<fp><ext>) then
//            part "rootfs" (filename <fp><rootfs ext>) — transcripts 07 and 08.
// File names come from storage::ImageFilesForExport (extension by content).
// Bodies are streamed from the files (Response::Stream), never read into memory.
#include <map>
#include <string>
#include <vector>

#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/multipart.h"
#include "daemon/routes.h"
#include "daemon/visibility.h"
#include "storage/image_import.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

Response Export(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  if (!VisibleTo(req, *img, ctx.image_secrets, SecretUse::kUseUp)) {
    return Response::Error(HiddenImage(req.params["fingerprint"]));
  }
  const std::string& fp = img->fingerprint;
  auto files = storage::ImageFilesForExport(ctx.paths.Images(), fp);
  if (!files) return Response::Error(files.error());
  auto main = http::BodyPiece::File(files->image.path);
  if (!main) return Response::Error(std::move(main).error().Context("exporting image " + fp));
  std::vector<http::BodyPiece> pieces;
  std::string type = "application/octet-stream";
  std::map<std::string, std::string> headers;
  if (!files->rootfs) {
    headers["Content-Disposition"] = "inline;filename=" + files->image.filename;
    pieces.push_back(std::move(*main));
  } else {
    auto rootfs = http::BodyPiece::File(files->rootfs->path);
    if (!rootfs) return Response::Error(std::move(rootfs).error().Context("exporting image " + fp));
    std::string boundary = NewMultipartBoundary();
    type = "multipart/form-data; boundary=" + boundary;
    pieces.push_back(http::BodyPiece::Bytes(
        MultipartPartHeader(boundary, "metadata", files->image.filename, true)));
    pieces.push_back(std::move(*main));
    pieces.push_back(http::BodyPiece::Bytes(
        MultipartPartHeader(boundary, "rootfs", files->rootfs->filename, false)));
    pieces.push_back(std::move(*rootfs));
    pieces.push_back(http::BodyPiece::Bytes(MultipartTrailer(boundary)));
  }
  ctx.events->PublishLifecycle("image-retrieved", "/1.0/images/" + fp);
  return Response::Stream(std::move(pieces), std::move(type), std::move(headers));
}

}  // namespace

void RegisterImageExportRoutes(http::Router& router, Context& ctx) {
  router.Add(
      "GET", "/1.0/images/{fingerprint}/export", [&ctx](Request& r) { return Export(ctx, r); },
      http::Access::kPublic);
}

}  // namespace nest::daemon
