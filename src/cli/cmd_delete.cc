// nest delete.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"

namespace nest::cli {
namespace {

using nlohmann::json;

constexpr int kStoppedStatusCode = 102;

base::Status DeleteInstance(Context& ctx, const std::string& name, bool force) {
  std::string path = "/1.0/instances/" + name;
  if (force) {
    json inst = TRY_CTX(ctx.conn.Get(path), "deleting " + name);
    if (inst.value("status_code", 0) != kStoppedStatusCode) {
      json body = {{"action", "stop"}, {"timeout", -1}, {"force", true}, {"stateful", false}};
      auto op = ctx.conn.Put(path + "/state", body);
      if (op.ok()) {
        auto done = WaitWithProgress(ctx, *op);
        if (!done.ok() && done.error().message().find("not running") == std::string::npos) {
          return std::move(done).error().Context("stopping " + name);
        }
      } else if (op.error().message().find("not running") == std::string::npos) {
        return std::move(op).error().Context("stopping " + name);
      }
    }
  }
  json op = TRY_CTX(ctx.conn.Delete(path), "deleting " + name);
  TRY_CTX(WaitWithProgress(ctx, op), "deleting " + name);
  return base::Ok();
}

}  // namespace

void RegisterDeleteCommand(CLI::App& app, Context& ctx) {
  struct Options {
    std::vector<std::string> names;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "delete", "Delete instances (a running instance needs --force, which stops it first)");
  sub->alias("rm");
  sub->add_option("names", o->names, "Instance names")->required();
  sub->add_flag("-f,--force", o->force, "Force-stop running instances, then delete them");
  sub->footer("Examples:\n  nest delete c1\n  nest delete -f c1 c2");
  sub->callback([&ctx, o] {
    for (const std::string& name : o->names) {
      Run(ctx, [&] { return DeleteInstance(ctx, name, o->force); });
    }
  });
}

}  // namespace nest::cli
