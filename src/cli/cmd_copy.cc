// nest copy: a new instance from a stopped one on the same server (POST
// /1.0/instances with a "copy" source, as `lxc copy`).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/names.h"
#include "core/url.h"

namespace nest::cli {

using nlohmann::json;

base::Result<json> CopyPost(const CopyOptions& o, const json& source) {
  if (!IsValidInstanceName(o.target)) {
    return base::Error::Invalid("invalid instance name \"" + o.target +
                                "\": use letters, digits and '-', not starting with a digit "
                                "or '-', at most 63 characters");
  }
  json config = json::object();
  if (auto c = source.find("config"); c != source.end() && c->is_object()) {
    // The server's own keys stay with the source (it gives the copy fresh ones);
    // volatile.base_image tells it which image the copy shares, as lxc sends it.
    for (const auto& [k, v] : c->items()) {
      if (k.rfind("volatile.", 0) != 0 || k == "volatile.base_image") config[k] = v;
    }
  }
  for (const std::string& kv : o.config) {
    auto [k, v] = TRY(ParseKeyValue(kv));
    config[k] = v;
  }
  json profiles = source.value("profiles", json::array());
  if (!profiles.is_array()) profiles = json::array();
  if (o.no_profiles) profiles = json::array();
  for (const std::string& p : o.profiles) profiles.push_back(p);
  json devices = source.value("devices", json::object());
  if (!devices.is_object()) devices = json::object();
  json source_field = {{"type", "copy"}, {"source", o.source}, {"instance_only", true}};
  if (config.contains("volatile.base_image")) {
    source_field["base-image"] = config["volatile.base_image"];
  }
  return json{{"name", o.target},
              {"type", "container"},
              {"source", source_field},
              {"config", config},
              {"devices", devices},
              {"profiles", profiles},
              {"ephemeral", o.ephemeral || source.value("ephemeral", false)},
              {"description", source.value("description", "")}};
}

namespace {

base::Status Copy(Context& ctx, const CopyOptions& o) {
  json source = TRY_CTX(ctx.conn.Get("/1.0/instances/" + core::PathEscape(o.source)),
                        "source instance \"" + o.source + "\"");
  json body = TRY(CopyPost(o, source));
  std::string what = "copying " + o.source + " to " + o.target;
  json op = TRY_CTX(ctx.conn.Post("/1.0/instances", body), what);
  TRY_CTX(WaitWithProgress(ctx, op), what);
  return base::Ok();
}

}  // namespace

void RegisterCopyCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<CopyOptions>();
  CLI::App* sub = app.add_subcommand("copy", "Copy a stopped instance into a new one");
  sub->alias("cp");
  sub->add_option("source", o->source, "The instance to copy (it must be stopped)")->required();
  sub->add_option("destination", o->target, "Name of the new instance")->required();
  sub->add_option("-c,--config", o->config, "Config key=value to set on the copy (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("-p,--profile", o->profiles,
                  "Profile to add to the source's profiles (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--no-profiles", o->no_profiles,
                "Start from no profiles instead of the source's (then -p gives the list)");
  sub->add_flag("-e,--ephemeral", o->ephemeral, "Make the copy ephemeral");
  sub->footer(
      "The copy gets the source's config, devices and profiles (-c, -p and\n"
      "--no-profiles change them), its own fresh volatile.* keys, and a copy of the\n"
      "source's root filesystem made by the source's storage driver: overlay copies\n"
      "the source's upper directory (deleted files stay deleted) over the same\n"
      "image; dir copies the whole tree (reflinked where the filesystem can).\n"
      "Owners, modes, extended attributes, ACLs and file capabilities are kept.\n\n"
      "The copy is created stopped. At its first start the image's templates with\n"
      "the \"copy\" trigger are applied (e.g. /etc/hostname gets the new name); the\n"
      "\"create\" ones are not applied again.\n\n"
      "A running source is refused: stop it first. So is a device node in its root\n"
      "(overlay whiteouts, fifos and sockets are copied). The source and the copy\n"
      "are independent afterwards: either can be changed or deleted.\n\n"
      "Examples:\n"
      "  nest copy c1 c2\n"
      "  nest copy web web-test -c limits.memory=256MiB\n"
      "  nest copy c1 c3 --no-profiles -p minimal     (only the profile \"minimal\")\n"
      "  LXD_DIR=$NEST_DIR lxc copy c1 c4     (the stock client works too)");
  sub->callback([&ctx, o] { Run(ctx, [&] { return Copy(ctx, *o); }); });
}

}  // namespace nest::cli
