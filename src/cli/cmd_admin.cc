// nest admin run-task: run one of nestd's background tasks now.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"

namespace nest::cli {
namespace {

using nlohmann::json;

std::string Short(const json& fp) {
  return fp.is_string() ? fp.get<std::string>().substr(0, 12) : "";
}

// One line per thing the task did, then a summary.
void PrintTaskResult(const std::string& task, const json& md) {
  if (auto removed = md.find("removed"); removed != md.end() && removed->is_array()) {
    for (const auto& r : *removed) {
      std::cout << "Removed image " << Short(r["fingerprint"]) << ": " << r.value("detail", "")
                << "\n";
    }
    std::cout << task << ": " << removed->size() << " image(s) removed\n";
  }
  if (auto checked = md.find("checked"); checked != md.end() && checked->is_array()) {
    if (md.value("interval_hours", 0) == 0) {
      std::cout << task << ": disabled (images.auto_update_interval is 0): nothing checked\n";
      return;
    }
    for (const auto& r : md.value("refreshed", json::array())) {
      std::cout << "Refreshed image " << Short(r["old"]) << " -> " << Short(r["new"])
                << (r.value("old_kept", false) ? " (old version kept while in use)" : "") << "\n";
    }
    for (const auto& f : md.value("failed", json::array())) {
      std::cout << "Failed to check image " << Short(f["fingerprint"]) << ": "
                << f.value("error", "") << "\n";
    }
    std::cout << task << ": " << checked->size() << " image(s) checked, "
              << md.value("refreshed", json::array()).size() << " refreshed, "
              << md.value("failed", json::array()).size() << " failed\n";
  }
}

base::Status RunTask(Context& ctx, const std::string& task) {
  json op = TRY(ctx.conn.Post("/internal/tasks/" + task, json::object()));
  json done = TRY_CTX(WaitWithProgress(ctx, op), "running task " + task);
  PrintTaskResult(task, done.value("metadata", json::object()));
  std::cout << std::flush;
  const json& md = done["metadata"];
  if (md.is_object() && md.contains("failed") && !md["failed"].empty()) {
    return base::Error::Internal(task + ": some images could not be checked (see above)");
  }
  return base::Ok();
}

}  // namespace

void RegisterAdminCommand(CLI::App& app, Context& ctx) {
  CLI::App* admin = app.add_subcommand("admin", "Daemon administration");
  admin->require_subcommand(1);
  auto task = std::make_shared<std::string>();
  CLI::App* run = admin->add_subcommand("run-task", "Run a background task of nestd now");
  run->add_option("task", *task, "image-expiry or image-update")->required();
  run->footer(
      "nestd runs these by itself (at start, every minute and after a config change);\n"
      "each decides from the daemon's clock whether anything is due:\n"
      "  image-expiry  removes cached images unused for images.remote_cache_expiry days\n"
      "                and superseded old versions; never an image a container uses\n"
      "  image-update  checks each auto_update image whose last check is\n"
      "                images.auto_update_interval hours old against its source\n"
      "                alias, downloads a new version and moves the aliases to it\n"
      "                (0 hours: no checks, no traffic)\n"
      "Tests move the daemon's clock with `nestd --clock-file FILE` and run these.\n\n"
      "Examples:\n  nest admin run-task image-expiry\n  nest admin run-task image-update");
  run->callback([&ctx, task] { Run(ctx, [&] { return RunTask(ctx, *task); }); });
}

}  // namespace nest::cli
