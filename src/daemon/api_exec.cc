// POST /1.0/instances/{name}/exec (lxd-spec §4.3).
#include "daemon/exec_session.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/routes.h"

namespace nest::daemon {
namespace {

using http::Request;
using http::Response;

// The operation's body: runs the session, counted in ctx.activity meanwhile
// (a spare monitor does not start beside a command: MonitorStarter::Refill).
auto Body(Context& ctx, std::shared_ptr<ExecSession> session) {
  return [session = std::move(session), &ctx](ops::Operation& op) {
    auto running = ctx.activity.Track();
    return session->Run(op);
  };
}

// Creates and starts the operation.
base::Result<std::shared_ptr<ops::Operation>> StartExec(Context& ctx, InstanceManager& im,
                                                        const std::string& name,
                                                        const nlohmann::json& body) {
  auto spec = TRY(im.ExecBase(name));  // kNotFound for an unknown instance
  try {
    spec.argv = body.at("command").get<std::vector<std::string>>();
    if (body.contains("environment") && body["environment"].is_object()) {
      for (const auto& [k, v] : body["environment"].items()) {
        spec.env.push_back(k + "=" + v.get<std::string>());
      }
    }
    spec.uid = body.value("user", 0u);
    spec.gid = body.value("group", 0u);
    spec.cwd = body.value("cwd", "");
  } catch (const std::exception& e) {
    return base::Error::Invalid(std::string("invalid exec request: ") + e.what());
  }
  if (spec.argv.empty()) return base::Error::Invalid("invalid exec request: empty command");
  if (spec.uid != 0) {
    for (auto& e : spec.env) {
      if (e == "HOME=/root") e = "HOME=/";
      if (e == "USER=root") e = "USER=";
    }
  }
  bool interactive = body.value("interactive", false);
  bool websockets = body.value("wait-for-websocket", false);
  if (body.value("record-output", false)) {
    return base::Error::Invalid("record-output is not supported yet: use wait-for-websocket");
  }
  nlohmann::json meta = {{"command", spec.argv},
                         {"environment", body.value("environment", nlohmann::json::object())},
                         {"interactive", interactive}};
  ops::Operation::Resources res = {{"instances", {"/1.0/instances/" + name}},
                                   {"containers", {"/1.0/containers/" + name}}};
  // The body runs on a thread holding the container's seccomp filter: the
  // command inherits it from there (runtime::RunFiltered).
  ops::OperationManager::Executor on_filtered;
  if (const auto* program = spec.seccomp) {
    on_filtered = [program](std::function<void()> task) {
      runtime::RunFiltered(*program, std::move(task));
    };
  }
  if (!websockets) {
    // No client streams: run with no input, discard output, report the exit code.
    auto session = std::make_shared<ExecSession>(spec, false, false, 0, 0);
    auto op = ctx.operations->Create("task", "Executing command", res, meta, Body(ctx, session));
    ctx.operations->Start(op, on_filtered);
    return op;
  }
  auto session = std::make_shared<ExecSession>(spec, true, interactive, body.value("width", 0),
                                               body.value("height", 0));
  auto op = ctx.operations->Create("websocket", "Executing command", res, meta, Body(ctx, session));
  for (const auto& n : interactive ? std::vector<std::string>{"0", "control"}
                                   : std::vector<std::string>{"0", "1", "2", "control"}) {
    op->AddWebSocket(n);
  }
  op->SetConnectHandler(
      [session](const std::string& fd, http::WebSocket& ws) { session->OnConnect(fd, ws); });
  ctx.operations->Start(op, on_filtered);
  return op;
}

}  // namespace

void RegisterExecRoutes(http::Router& router, Context& ctx, InstanceManager& im) {
  router.Add("POST", "/1.0/instances/{name}/exec", [&ctx, &im](Request& req) {
    auto body = http::ParseJsonBody(req);
    if (!body) return Response::Error(body.error());
    auto op = StartExec(ctx, im, req.params["name"], *body);
    if (!op) return Response::Error(op.error());
    return ops::AsyncResponse(**op);
  });
}

}  // namespace nest::daemon
