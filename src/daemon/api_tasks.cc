// Background tasks on demand and image refresh:
//   POST /internal/tasks/{name}          run a background task now (`nest admin run-task`)
//   POST /1.0/images/{fingerprint}/refresh  LXD's manual refresh (`nest image refresh`)
// Both answer with an operation whose metadata is the task's result.
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_update.h"
#include "daemon/routes.h"
#include "daemon/scheduler.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

Response RunTask(Context& ctx, Request& req) {
  std::string name = req.params["name"];
  if (!ctx.scheduler) return Response::Error(base::Error::Internal("no task scheduler"));
  std::string description = ctx.scheduler->Description(name);
  if (description.empty()) {
    return Response::Error(ctx.scheduler->Run(name).error());  // names the known tasks
  }
  auto op = ctx.operations->Create("task", description, {}, nullptr,
                                   [&ctx, name](ops::Operation& op) -> base::Status {
                                     auto result = TRY(ctx.scheduler->Run(name));
                                     op.UpdateMetadata(result);
                                     return base::Ok();
                                   });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

Response Refresh(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  if (!ctx.fetcher) return Response::Error(base::Error::Internal("no image downloader"));
  std::string fp = img->fingerprint;
  std::string url = "/1.0/images/" + fp;
  auto op = ctx.operations->Create("task", "Refreshing image", {{"images", {url}}}, nullptr,
                                   [&ctx, fp, url](ops::Operation& op) -> base::Status {
                                     auto r = TRY(RefreshImage(ctx, *ctx.fetcher, fp, &op));
                                     op.UpdateMetadata({{"refreshed", r.refreshed},
                                                        {"fingerprint", r.new_fingerprint},
                                                        {"old_kept", r.old_kept}});
                                     if (r.refreshed)
                                       ctx.events->PublishLifecycle("image-refreshed", url);
                                     return base::Ok();
                                   });
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

}  // namespace

void RegisterTaskRoutes(http::Router& router, Context& ctx) {
  router.Add("POST", "/internal/tasks/{name}", [&ctx](Request& r) { return RunTask(ctx, r); });
  router.Add("POST", "/1.0/images/{fingerprint}/refresh",
             [&ctx](Request& r) { return Refresh(ctx, r); });
}

}  // namespace nest::daemon
