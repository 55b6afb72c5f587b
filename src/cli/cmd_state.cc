// nest start / stop / restart.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"

namespace nest::cli {
namespace {

using nlohmann::json;

struct StateOptions {
  std::vector<std::string> names;
  bool force = false;
  int timeout = -1;
};

base::Status ChangeState(Context& ctx, const std::string& name, const std::string& action,
                         const StateOptions& o) {
  json body = {{"action", action}, {"timeout", o.timeout}, {"force", o.force}, {"stateful", false}};
  std::string what = action + " " + name;
  json op = TRY_CTX(ctx.conn.Put("/1.0/instances/" + name + "/state", body), what);
  TRY_CTX(WaitWithProgress(ctx, op), what);
  return base::Ok();
}

void AddStateCommand(CLI::App& app, Context& ctx, const std::string& action,
                     const std::string& description, const std::string& examples) {
  auto o = std::make_shared<StateOptions>();
  CLI::App* sub = app.add_subcommand(action, description);
  sub->add_option("names", o->names, "Instance names")->required();
  if (action != "start") {
    sub->add_flag("-f,--force", o->force, "Force the instance to stop (kill it)");
    sub->add_option("--timeout", o->timeout,
                    "Seconds to wait for a clean shutdown before failing (-1: forever)")
        ->capture_default_str();
  }
  sub->footer("Examples:\n" + examples);
  sub->callback([&ctx, o, action] {
    for (const std::string& name : o->names) {
      Run(ctx, [&] { return ChangeState(ctx, name, action, *o); });
    }
  });
}

}  // namespace

void RegisterStateCommands(CLI::App& app, Context& ctx) {
  AddStateCommand(app, ctx, "start", "Start instances", "  nest start c1\n  nest start c1 c2");
  AddStateCommand(app, ctx, "stop",
                  "Stop instances (asks init to shut down cleanly unless --force)",
                  "  nest stop c1\n  nest stop -f c1 c2\n  nest stop --timeout 30 c1");
  AddStateCommand(app, ctx, "restart", "Restart instances",
                  "  nest restart c1\n  nest restart -f c1");
}

}  // namespace nest::cli
