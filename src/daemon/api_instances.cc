// /1.0/instances: list, create, get, update, delete, state and logs.
#include <chrono>
#include <memory>

#include "daemon/etag.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/routes.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;
using ops::Operation;

std::string Url(const std::string& name) { return "/1.0/instances/" + name; }

Operation::Resources Resources(const std::string& name) {
  return {{"instances", {Url(name)}}, {"containers", {"/1.0/containers/" + name}}};
}

// An ETag over what a PUT may change, as LXD computes it over the writable fields.
std::string InstanceEtag(const nlohmann::json& instance) {
  return Etag({{"architecture", instance["architecture"]},
               {"config", instance["config"]},
               {"devices", instance["devices"]},
               {"ephemeral", instance["ephemeral"]},
               {"profiles", instance["profiles"]},
               {"description", instance["description"]}});
}

Response Task(Context& ctx, std::string description, const std::string& name,
              Operation::RunFn run) {
  auto op = ctx.operations->Create("task", std::move(description), Resources(name), nullptr,
                                   std::move(run));
  ctx.operations->Start(op);
  return ops::AsyncResponse(*op);
}

// Publishes progress lines as operation metadata[key], at most every 250 ms
// unless the stage (the text before a percentage or "(") changes, so a chatty
// tool does not flood /1.0/events.
InstanceManager::ProgressFn ThrottledProgress(Operation& op, std::string key) {
  struct State {
    std::chrono::steady_clock::time_point last{};
    std::string stage;
  };
  auto state = std::make_shared<State>();
  return [&op, key = std::move(key), state](const std::string& line) {
    std::string stage = line.substr(0, line.find_first_of("(%0123456789"));
    auto now = std::chrono::steady_clock::now();
    if (stage == state->stage && now - state->last < std::chrono::milliseconds(250)) return;
    state->stage = stage;
    state->last = now;
    op.UpdateMetadata({{key, line}});
  };
}

Response List(Context& ctx, InstanceManager& im, Request& req) {
  auto records = ctx.db->ListInstances();
  if (!records) return Response::Error(records.error());
  std::string recursion = req.Query("recursion", "0");
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : *records) {
    if (recursion == "0") {
      out.push_back(Url(r.name));
    } else {
      out.push_back(im.InstanceJson(r, recursion == "2"));
    }
  }
  return Response::Sync(out);
}

Response Create(Context& ctx, InstanceManager& im, Request& req) {
  auto body = http::ParseJsonBody(req);
  if (!body) return Response::Error(body.error());
  if (!body->is_object()) return Response::Error(base::Error::Invalid("body must be an object"));
  std::string name = body->value("name", "");
  bool start = body->value("start", false);
  nlohmann::json post = *body;
  return Task(ctx, "Creating instance", name,
              [&im, post, name, start](Operation& op) -> base::Status {
                TRY(im.Create(post, &op, ThrottledProgress(op, "builtin_build_progress")));
                if (!start) return base::Ok();
                // A launch that cannot start leaves nothing behind: no row, no storage.
                if (auto started = im.Start(name); !started) {
                  (void)im.Delete(name);
                  return started;
                }
                return base::Ok();
              });
}

Response Get(Context& ctx, InstanceManager& im, Request& req) {
  auto rec = ctx.db->GetInstance(req.params["name"]);
  if (!rec) return Response::Error(rec.error());
  bool full = req.Query("recursion", "0") != "0";
  auto j = im.InstanceJson(*rec, full);
  return Response::Sync(j, InstanceEtag(j));
}

Response Update(Context& ctx, InstanceManager& im, Request& req, bool patch) {
  std::string name = req.params["name"];
  auto rec = ctx.db->GetInstance(name);
  if (!rec) return Response::Error(rec.error());
  std::string if_match = req.Header("If-Match");
  if (!if_match.empty()) {
    if (if_match.size() >= 2 && if_match.front() == '"')
      if_match = if_match.substr(1, if_match.size() - 2);
    if (if_match != InstanceEtag(im.InstanceJson(*rec, false))) {
      return Response::Error({base::ErrorKind::kPrecondition, "ETag doesn't match"});
    }
  }
  auto body = http::ParseJsonBody(req);
  if (!body) return Response::Error(body.error());
  if (patch) {
    if (auto s = im.Update(name, *body, true); !s) return Response::Error(s.error());
    return Response::EmptySync();
  }
  nlohmann::json put = *body;
  return Task(ctx, "Updating instance", name,
              [&im, name, put](Operation&) { return im.Update(name, put, false); });
}

Response Delete(Context& ctx, InstanceManager& im, Request& req) {
  std::string name = req.params["name"];
  if (auto rec = ctx.db->GetInstance(name); !rec) return Response::Error(rec.error());
  if (im.Running(name)) {
    return Response::Error(base::Error::Invalid(
        "instance \"" + name + "\" is running: stop it first, or delete with --force"));
  }
  return Task(ctx, "Deleting instance", name, [&im, name](Operation&) { return im.Delete(name); });
}

Response GetState(Context& ctx, InstanceManager& im, Request& req) {
  std::string name = req.params["name"];
  if (auto rec = ctx.db->GetInstance(name); !rec) return Response::Error(rec.error());
  return Response::Sync(im.StateJson(name));
}

Response PutState(Context& ctx, InstanceManager& im, Request& req) {
  std::string name = req.params["name"];
  if (auto rec = ctx.db->GetInstance(name); !rec) return Response::Error(rec.error());
  auto body = http::ParseJsonBody(req);
  if (!body) return Response::Error(body.error());
  std::string action = body->value("action", "");
  bool force = body->value("force", false);
  int timeout = body->value("timeout", -1);
  static const std::map<std::string, std::string> kDescriptions = {
      {"start", "Starting instance"},
      {"stop", "Stopping instance"},
      {"restart", "Restarting instance"}};
  auto it = kDescriptions.find(action);
  if (it == kDescriptions.end()) {
    return Response::Error(base::Error::Invalid("unknown state action \"" + action +
                                                "\" (expected start, stop or restart)"));
  }
  return Task(ctx, it->second, name,
              [&im, name, action, force, timeout](Operation&) -> base::Status {
                if (action == "start") return im.Start(name);
                if (action == "stop") return im.Stop(name, force, timeout);
                return im.Restart(name, force, timeout);
              });
}

const char* const kLogFiles[] = {"nest.log", "console.log"};

Response Logs(Context& ctx, Request& req) {
  std::string name = req.params["name"];
  if (auto rec = ctx.db->GetInstance(name); !rec) return Response::Error(rec.error());
  nlohmann::json out = nlohmann::json::array();
  for (const char* f : kLogFiles) {
    if (sys::Exists(ctx.paths.Container(name) + "/" + f)) out.push_back(Url(name) + "/logs/" + f);
  }
  return Response::Sync(out);
}

Response LogFile(Context& ctx, Request& req) {
  std::string name = req.params["name"];
  std::string file = req.params["file"];
  if (auto rec = ctx.db->GetInstance(name); !rec) return Response::Error(rec.error());
  bool known = false;
  for (const char* f : kLogFiles) known |= file == f;
  if (!known) return Response::Error(base::Error::NotFound("log file \"" + file + "\" not found"));
  auto text = sys::ReadFile(ctx.paths.Container(name) + "/" + file);
  if (!text) return Response::Error(base::Error::NotFound("log file \"" + file + "\" not found"));
  return Response::Raw(*text, "application/octet-stream");
}

}  // namespace

void RegisterInstanceRoutes(http::Router& router, Context& ctx, InstanceManager& im) {
  router.Add("GET", "/1.0/instances", [&](Request& r) { return List(ctx, im, r); });
  router.Add("POST", "/1.0/instances", [&](Request& r) { return Create(ctx, im, r); });
  router.Add("GET", "/1.0/instances/{name}", [&](Request& r) { return Get(ctx, im, r); });
  router.Add("PUT", "/1.0/instances/{name}", [&](Request& r) { return Update(ctx, im, r, false); });
  router.Add("PATCH", "/1.0/instances/{name}",
             [&](Request& r) { return Update(ctx, im, r, true); });
  router.Add("DELETE", "/1.0/instances/{name}", [&](Request& r) { return Delete(ctx, im, r); });
  router.Add("GET", "/1.0/instances/{name}/state",
             [&](Request& r) { return GetState(ctx, im, r); });
  router.Add("PUT", "/1.0/instances/{name}/state",
             [&](Request& r) { return PutState(ctx, im, r); });
  router.Add("GET", "/1.0/instances/{name}/logs", [&](Request& r) { return Logs(ctx, r); });
  router.Add("GET", "/1.0/instances/{name}/logs/{file}",
             [&](Request& r) { return LogFile(ctx, r); });
}

}  // namespace nest::daemon
