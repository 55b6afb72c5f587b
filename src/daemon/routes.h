// Route registration, one function per resource (handlers live in api_<resource>.cc).
#pragma once

#include "daemon/context.h"
#include "daemon/http/router.h"
#include "daemon/instances.h"

namespace nest::daemon {

void RegisterServerRoutes(http::Router& router, Context& ctx);
void RegisterInstanceRoutes(http::Router& router, Context& ctx, InstanceManager& instances);
void RegisterExecRoutes(http::Router& router, Context& ctx, InstanceManager& instances);
void RegisterCertificateRoutes(http::Router& router, Context& ctx);
void RegisterProfileRoutes(http::Router& router, Context& ctx);
void RegisterImageRoutes(http::Router& router, Context& ctx, InstanceManager& instances);
void RegisterTaskRoutes(http::Router& router, Context& ctx);
// Parts of the image routes, called by RegisterImageRoutes.
void RegisterImageAliasRoutes(http::Router& router, Context& ctx);
void RegisterImageUploadRoutes(http::Router& router, Context& ctx, InstanceManager& instances);
void RegisterImageExportRoutes(http::Router& router, Context& ctx);
void RegisterImageSecretRoutes(http::Router& router, Context& ctx);
// POST /1.0/images with a JSON body pulling from a remote (api_image_pull.cc).
http::Response PostImagePull(Context& ctx, const nlohmann::json& body);

}  // namespace nest::daemon
