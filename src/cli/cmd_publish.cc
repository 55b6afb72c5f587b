// nest publish: a stopped instance becomes an image (POST /1.0/images with an
// instance source, as lxc publish).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"

namespace nest::cli {

using nlohmann::json;

base::Result<json> PublishPost(const PublishOptions& o) {
  json properties = json::object();
  for (const std::string& kv : o.properties) {
    auto [k, v] = TRY(ParseKeyValue(kv));
    properties[k] = v;
  }
  json aliases = json::array();
  for (const std::string& a : o.aliases) aliases.push_back({{"name", a}, {"description", ""}});
  return json{{"source", {{"type", "container"}, {"name", o.instance}}},
              {"public", o.is_public},
              {"properties", properties},
              {"aliases", aliases}};
}

namespace {

base::Status Publish(Context& ctx, const PublishOptions& o) {
  json body = TRY(PublishPost(o));
  json op = TRY_CTX(ctx.conn.Post("/1.0/images", body), "publishing " + o.instance);
  json done = TRY_CTX(WaitWithProgress(ctx, op), "publishing " + o.instance);
  std::string fp;
  if (auto md = done.find("metadata"); md != done.end() && md->is_object()) {
    fp = md->value("fingerprint", "");
  }
  if (fp.empty()) return base::Error::Internal("publishing " + o.instance + ": no fingerprint");
  std::cout << "Instance published with fingerprint: " << fp << "\n" << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterPublishCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PublishOptions>();
  CLI::App* sub = app.add_subcommand("publish", "Publish a stopped instance as an image");
  sub->add_option("instance", o->instance, "The instance (stopped)")->required();
  sub->add_option("properties", o->properties, "Image properties, key=value");
  sub->add_option("--alias", o->aliases, "Alias of the new image (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--public", o->is_public, "Make the image public");
  sub->footer(
      "The image holds the instance's root as the instance sees it (ids as inside),\n"
      "metadata.yaml with the source image's properties and templates.\n\n"
      "Examples:\n"
      "  nest publish c1 --alias mine\n"
      "  nest publish c1 --alias mine --public description=\"my image\" os=busybox");
  sub->callback([&ctx, o] { Run(ctx, [&] { return Publish(ctx, *o); }); });
}

}  // namespace nest::cli
