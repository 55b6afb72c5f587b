// nest launch / nest init.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/names.h"
#include "cli/source_secret.h"

namespace nest::cli {

using nlohmann::json;

base::Result<json> InstancesPost(const LaunchOptions& o, const client::Remotes& remotes) {
  json source = TRY_CTX(remotes.ImageSource(o.image), "image " + o.image);
  if (!o.name.empty() && !IsValidInstanceName(o.name)) {
    return base::Error::Invalid("invalid instance name \"" + o.name +
                                "\": use letters, digits and '-', not starting with a digit "
                                "or '-', at most 63 characters");
  }
  json config = json::object();
  for (const std::string& kv : o.config) {
    auto [k, v] = TRY(ParseKeyValue(kv));
    config[k] = v;
  }
  json body = {{"name", o.name},   {"type", "container"},       {"source", source},
               {"config", config}, {"devices", json::object()}, {"ephemeral", o.ephemeral},
               {"start", o.start}};
  if (!o.profiles.empty()) body["profiles"] = o.profiles;
  return body;
}

namespace {

base::Status Launch(Context& ctx, LaunchOptions o) {
  if (o.name.empty()) o.name = RandomInstanceName();
  json body = TRY(InstancesPost(o, ctx.remotes));
  SourceSecret secret = TRY(AddSourceSecret(ctx.remotes, o.image, &body["source"]));
  std::printf("Creating %s\n", o.name.c_str());
  std::fflush(stdout);
  auto created = [&]() -> base::Status {
    json op = TRY_CTX(ctx.conn.Post("/1.0/instances", body), "creating " + o.name);
    TRY_CTX(WaitWithProgress(ctx, op), "creating " + o.name);
    return base::Ok();
  }();
  WithdrawSourceSecret(secret);
  TRY(std::move(created));
  if (o.start) {
    std::printf("Starting %s\n", o.name.c_str());
    std::fflush(stdout);
  }
  return base::Ok();
}

void AddLaunchLike(CLI::App& app, Context& ctx, const char* verb, bool start) {
  auto o = std::make_shared<LaunchOptions>();
  o->start = start;
  std::string what = start ? "Create and start an instance from an image"
                           : "Create an instance from an image (without starting it)";
  CLI::App* sub = app.add_subcommand(verb, what);
  sub->add_option("image", o->image,
                  "Image: builtin:busybox, builtin:debian/<release>, REMOTE:ALIAS (a remote "
                  "of `nest remote list`), local:ALIAS, ALIAS or a fingerprint (12-64 hex digits)")
      ->required();
  sub->add_option("name", o->name, "Instance name (default: a random adjective-noun)");
  sub->add_option("-c,--config", o->config, "Config key=value to apply to the instance")
      ->allow_extra_args(false);
  sub->add_option("-p,--profile", o->profiles,
                  "Profile to apply (repeatable; default: the \"default\" profile)")
      ->allow_extra_args(false);
  sub->add_flag("-e,--ephemeral", o->ephemeral, "Delete the instance when it stops");
  std::string v = verb;
  sub->footer(
      "The image is resolved by nestd: builtin: images are built on first use from the\n"
      "host (busybox-static, debootstrap) and need no network. REMOTE:ALIAS is downloaded\n"
      "once into a cached image (progress on stderr); when the remote is unreachable the\n"
      "newest local copy of that alias is used, with a warning.\n\n"
      "Examples:\n"
      "  nest " +
      v +
      " builtin:busybox c1\n"
      "  nest " +
      v +
      " builtin:debian/bookworm web -c security.nesting=true\n"
      "  nest " +
      v +
      " local:myimage -p default -p docker --ephemeral\n"
      "  nest " +
      v + " builtin:busybox          (picks a name like brave-otter)");
  sub->callback([&ctx, o] { Run(ctx, [&] { return Launch(ctx, *o); }); });
}

}  // namespace

void RegisterLaunchCommands(CLI::App& app, Context& ctx) {
  AddLaunchLike(app, ctx, "launch", true);
  AddLaunchLike(app, ctx, "init", false);
}

}  // namespace nest::cli
