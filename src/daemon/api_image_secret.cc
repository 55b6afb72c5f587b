// POST /1.0/images/<fingerprint>/secret (trusted): a one-time secret with
// which a server that does not trust the client may fetch this image even
// when it is private (image_secrets.h). Answers the Running "token"
// operation; its metadata carries the secret, as LXD's does.
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/image_secrets.h"
#include "daemon/routes.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

Response Post(Context& ctx, Request& req) {
  auto img = ctx.db->GetImageByPrefix(req.params["fingerprint"]);
  if (!img) return Response::Error(img.error());
  std::string url = "/1.0/images/" + img->fingerprint;
  auto op = ctx.image_secrets->Create(img->fingerprint);
  ctx.events->PublishLifecycle("image-secret-created", url);
  return ops::AsyncResponse(*op);
}

}  // namespace

void RegisterImageSecretRoutes(http::Router& router, Context& ctx) {
  router.Add("POST", "/1.0/images/{fingerprint}/secret",
             [&ctx](Request& r) { return Post(ctx, r); });
}

}  // namespace nest::daemon
