// GET /1.0/images/<fingerprint>/export: the image files as LXD serves them.
//   unified: the file, Content-Disposition: inline;filename=<fp><ext>;
//   split:   multipart/form-data, part "metadata" (filename meta-<fp><ext>) then
//            part "rootfs" (filename <fp><rootfs ext>) — transcripts 07 and 08.
// File names come from storage::ImageFilesForExport (extension by content).
// Bodies are built in memory (Response::Raw): see the images report for streaming.
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/multipart.h"
#include "daemon/routes.h"
#include "daemon/visibility.h"
#include "storage/image_import.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

Response Export(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  if (!VisibleTo(req, *img)) return Response::Error(HiddenImage(req.params["fingerprint"]));
  const std::string& fp = img->fingerprint;
  auto files = storage::ImageFilesForExport(ctx.paths.Images(), fp);
  if (!files) return Response::Error(files.error());
  auto main = sys::ReadFile(files->image.path);
  if (!main) return Response::Error(std::move(main).error().Context("exporting image " + fp));
  ctx.events->PublishLifecycle("image-retrieved", "/1.0/images/" + fp);
  if (!files->rootfs) {
    return Response::Raw(std::move(*main), "application/octet-stream",
                         {{"Content-Disposition", "inline;filename=" + files->image.filename}});
  }
  auto rootfs = sys::ReadFile(files->rootfs->path);
  if (!rootfs) return Response::Error(std::move(rootfs).error().Context("exporting image " + fp));
  std::string boundary = NewMultipartBoundary();
  std::string body = MultipartPartHeader(boundary, "metadata", files->image.filename, true);
  body += *main;
  main->clear();
  main->shrink_to_fit();
  body += MultipartPartHeader(boundary, "rootfs", files->rootfs->filename, false);
  body += *rootfs;
  body += MultipartTrailer(boundary);
  return Response::Raw(std::move(body), "multipart/form-data; boundary=" + boundary);
}

}  // namespace

void RegisterImageExportRoutes(http::Router& router, Context& ctx) {
  router.Add(
      "GET", "/1.0/images/{fingerprint}/export", [&ctx](Request& r) { return Export(ctx, r); },
      http::Access::kPublic);
}

}  // namespace nest::daemon
