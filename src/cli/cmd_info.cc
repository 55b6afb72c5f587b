// nest info.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"

namespace nest::cli {
namespace {

using nlohmann::json;

base::Status InstanceInfo(Context& ctx, const std::string& name) {
  std::string path = "/1.0/instances/" + name;
  auto full = ctx.conn.Get(path + "?recursion=1");
  json inst;
  if (full.ok() && full->is_object() && full->contains("state")) {
    inst = std::move(*full);
  } else {
    if (!full.ok() && full.error().kind() != base::ErrorKind::kInvalid) {
      return std::move(full).error();
    }
    inst = TRY(ctx.conn.Get(path));
    auto state = ctx.conn.Get(path + "/state");
    if (state.ok()) inst["state"] = std::move(*state);
  }
  std::cout << RenderInfo(inst) << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterInfoCommand(CLI::App& app, Context& ctx) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("info", "Show an instance's state and resource usage");
  sub->add_option("name", *name, "Instance name")->required();
  sub->footer(
      "Prints Name, Status, Type, Architecture, PID, Created, Last Used and, for a\n"
      "running instance, its processes, CPU and memory usage (as lxc info).\n\n"
      "Examples:\n  nest info c1");
  sub->callback([&ctx, name] { Run(ctx, [&] { return InstanceInfo(ctx, *name); }); });
}

}  // namespace nest::cli
