// /1.0/images/aliases: list, create, get, update (PUT/PATCH), rename (POST), delete.
// Names may hold '/' ("debian/12"): the routes take the rest of the path.
#include "core/names.h"
#include "daemon/etag.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/routes.h"
#include "daemon/visibility.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

std::string AliasUrl(const std::string& name) { return "/1.0/images/aliases/" + name; }

json AliasJson(const db::ImageAliasRecord& a) {
  return {{"name", a.name},
          {"description", a.description},
          {"target", a.fingerprint},
          {"type", "container"}};
}

base::Result<json> ObjectBody(const Request& req) {
  json body = TRY(http::ParseJsonBody(req));
  if (!body.is_object()) return base::Error::Invalid("body must be an object");
  return body;
}

base::Result<std::string> StringField(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return base::Error::Invalid(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

base::Status CheckIfMatch(const Request& req, const db::ImageAliasRecord& a) {
  std::string match = req.Header("If-Match");
  if (match.size() >= 2 && match.front() == '"' && match.back() == '"') {
    match = match.substr(1, match.size() - 2);
  }
  if (!match.empty() && match != Etag(AliasJson(a))) {
    return base::Error(base::ErrorKind::kPrecondition, "ETag doesn't match");
  }
  return base::Ok();
}

// The full fingerprint of the image `target` names (a fingerprint or a unique prefix).
base::Result<std::string> ResolveTarget(Context& ctx, const std::string& target) {
  if (target.empty()) return base::Error::Invalid("the target field is required");
  auto img = ctx.db->GetImageByPrefix(target);
  if (!img) {
    return std::move(img).error().Context("alias target \"" + target + "\"");
  }
  return img->fingerprint;
}

// Untrusted clients see an alias only when its image is public.
bool AliasVisible(Context& ctx, const Request& req, const db::ImageAliasRecord& a) {
  if (req.trusted) return true;
  auto img = ctx.db->GetImage(a.fingerprint);
  return img.ok() && VisibleTo(req, *img);
}

Response List(Context& ctx, Request& req) {
  auto list = ctx.db->ListAliases();
  if (!list) return Response::Error(list.error());
  json out = json::array();
  bool full = req.Query("recursion", "0") != "0";
  for (const auto& a : *list) {
    if (!AliasVisible(ctx, req, a)) continue;
    out.push_back(full ? AliasJson(a) : json(AliasUrl(a.name)));
  }
  return Response::Sync(out);
}

base::Status Create(Context& ctx, const Request& req) {
  json body = TRY(ObjectBody(req));
  std::string name = TRY(StringField(body, "name"));
  std::string target = TRY(StringField(body, "target"));
  std::string description = TRY(StringField(body, "description"));
  if (name.empty() || target.empty()) return base::Error::Invalid("name and target are required");
  TRY(core::ValidateAliasName(name));
  if (ctx.db->GetAlias(name)) return base::Error::Conflict("Alias \"" + name + "\" already exists");
  std::string fp = TRY(ResolveTarget(ctx, target));
  TRY(ctx.db->CreateAlias(name, fp, description));
  ctx.events->PublishLifecycle("image-alias-created", AliasUrl(name), {{"target", fp}});
  return base::Ok();
}

Response Get(Context& ctx, Request& req) {
  auto a = ctx.db->GetAlias(req.params["name"]);
  if (!a) return Response::Error(a.error());
  if (!AliasVisible(ctx, req, *a)) {
    return Response::Error(
        base::Error::NotFound("image alias \"" + req.params["name"] + "\" not found"));
  }
  json j = AliasJson(*a);
  return Response::Sync(j, Etag(j));
}

// PUT: target required, description replaced. PATCH: only the fields given.
base::Status Update(Context& ctx, const Request& req, bool patch) {
  db::ImageAliasRecord a = TRY(ctx.db->GetAlias(req.params.at("name")));
  TRY(CheckIfMatch(req, a));
  json body = TRY(ObjectBody(req));
  std::string target = TRY(StringField(body, "target"));
  if (!patch && target.empty()) return base::Error::Invalid("The target field is required");
  if (!target.empty()) a.fingerprint = TRY(ResolveTarget(ctx, target));
  if (!patch || body.contains("description")) a.description = TRY(StringField(body, "description"));
  TRY(ctx.db->UpdateAlias(a));
  ctx.events->PublishLifecycle("image-alias-updated", AliasUrl(a.name),
                               {{"target", a.fingerprint}});
  return base::Ok();
}

Response Rename(Context& ctx, Request& req) {
  std::string old_name = req.params["name"];
  auto body = ObjectBody(req);
  if (!body) return Response::Error(body.error());
  auto name = StringField(*body, "name");
  if (!name) return Response::Error(name.error());
  if (auto s = core::ValidateAliasName(*name); !s) return Response::Error(s.error());
  if (ctx.db->GetAlias(*name)) {
    return Response::Error(base::Error::Conflict("Alias \"" + *name + "\" already exists"));
  }
  if (auto s = ctx.db->RenameAlias(old_name, *name); !s) return Response::Error(s.error());
  ctx.events->PublishLifecycle("image-alias-renamed", AliasUrl(*name), {{"old_name", old_name}});
  return Response::EmptySync().SetHeader("Location", AliasUrl(*name));
}

base::Status Delete(Context& ctx, const Request& req) {
  const std::string& name = req.params.at("name");
  TRY(ctx.db->GetAlias(name));
  TRY(ctx.db->DeleteAlias(name));
  ctx.events->PublishLifecycle("image-alias-deleted", AliasUrl(name));
  return base::Ok();
}

Response Sync(const base::Status& s) {
  return s ? Response::EmptySync() : Response::Error(s.error());
}

}  // namespace

void RegisterImageAliasRoutes(http::Router& router, Context& ctx) {
  router.Add(
      "GET", "/1.0/images/aliases", [&ctx](Request& r) { return List(ctx, r); },
      http::Access::kPublic);
  router.Add("POST", "/1.0/images/aliases", [&ctx](Request& r) { return Sync(Create(ctx, r)); });
  // "{name}" ties with "/1.0/images/{fingerprint}/export" and, being earlier,
  // wins; "{name...}" takes names with '/' sent unescaped.
  for (const char* pattern : {"/1.0/images/aliases/{name}", "/1.0/images/aliases/{name...}"}) {
    router.Add(
        "GET", pattern, [&ctx](Request& r) { return Get(ctx, r); }, http::Access::kPublic);
    router.Add("PUT", pattern, [&ctx](Request& r) { return Sync(Update(ctx, r, false)); });
    router.Add("PATCH", pattern, [&ctx](Request& r) { return Sync(Update(ctx, r, true)); });
    router.Add("POST", pattern, [&ctx](Request& r) { return Rename(ctx, r); });
    router.Add("DELETE", pattern, [&ctx](Request& r) { return Sync(Delete(ctx, r)); });
  }
}

}  // namespace nest::daemon
