// nest list.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"

namespace nest::cli {

using nlohmann::json;

base::Result<std::string> RenderInstanceList(const json& instances, const std::string& format) {
  if (!instances.is_array()) return base::Error::Internal("instance list is not an array");
  if (format == "json") return instances.dump() + "\n";
  if (format == "yaml") return ToYaml(instances);
  if (format != "table" && format != "csv") {
    return base::Error::Invalid("invalid format \"" + format + "\" (table, csv, json, yaml)");
  }
  std::vector<Row> rows;
  for (const json& inst : instances) {
    if (inst.is_object()) rows.push_back(ListRow(inst));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a[0] < b[0]; });
  return format == "csv" ? RenderCsv(rows) : RenderTable(ListHeader(), rows);
}

namespace {

base::Status ListInstances(Context& ctx, const std::string& format) {
  auto full = ctx.conn.Get("/1.0/instances?recursion=2");
  json instances;
  if (full.ok()) {
    instances = std::move(*full);
  } else {
    if (full.error().kind() == base::ErrorKind::kUnavailable) return std::move(full).error();
    instances = TRY_CTX(ctx.conn.Get("/1.0/instances?recursion=1"), "listing instances");
  }
  std::cout << TRY(RenderInstanceList(instances, format)) << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterListCommand(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("table");
  CLI::App* sub = app.add_subcommand("list", "List instances");
  sub->alias("ls");
  sub->add_option("-f,--format", *format, "Output format: table, csv, json or yaml")
      ->check(CLI::IsMember({"table", "csv", "json", "yaml"}))
      ->capture_default_str();
  sub->footer(
      "Columns: NAME, STATE, IPV4, IPV6, TYPE, SNAPSHOTS (as lxc list). json and yaml\n"
      "print the full instance objects, state included; csv has no header.\n\n"
      "Examples:\n  nest list\n  nest list --format csv\n  nest list -f json | jq '.[].name'");
  sub->callback([&ctx, format] { Run(ctx, [&] { return ListInstances(ctx, *format); }); });
}

}  // namespace nest::cli
