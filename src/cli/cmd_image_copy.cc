// nest image copy REMOTE:IMAGE local: — nestd pulls the image from the remote
// (POST /1.0/images, source type "image", mode pull): an explicit image. A
// private image on a remote that trusts this client is pulled with a secret
// the client asks the remote for (cli/source_secret.h), as lxc does.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cmd_image.h"
#include "cli/source_secret.h"

namespace nest::cli {

using nlohmann::json;

base::Result<json> ImageCopyPost(const ImageCopyOptions& o, const client::Remotes& remotes) {
  if (o.image.find(':') == std::string::npos && remotes.default_remote() == "local") {
    return base::Error::Invalid("name the remote to copy from: REMOTE:" + o.image);
  }
  json source = TRY_CTX(remotes.ImageSource(o.image), "image " + o.image);
  if (source.value("protocol", "") == "builtin") {
    return base::Error::Invalid(
        "builtin images are built by nestd on first use: launch one "
        "(nest launch " +
        o.image + ") instead of copying it");
  }
  if (!source.contains("server")) {
    return base::Error::Invalid("\"" + o.image + "\" is already a local image");
  }
  std::string target = o.target;
  if (!target.empty() && target.back() == ':') target.pop_back();
  if (target != "local") {
    return base::Error::Invalid("images can only be copied to local: (not \"" + o.target + "\")");
  }
  json aliases = json::array();
  for (const std::string& a : o.aliases) aliases.push_back({{"name", a}, {"description", ""}});
  json body = {{"source", source},
               {"auto_update", o.auto_update},
               {"public", o.is_public},
               {"aliases", aliases}};
  if (o.copy_aliases) body["copy_aliases"] = true;
  return body;
}

namespace {

base::Result<json> Pull(Context& ctx, const ImageCopyOptions& o, const json& body) {
  json op = TRY_CTX(ctx.conn.Post("/1.0/images", body), "copying image " + o.image);
  return TRY_CTX(WaitWithProgress(ctx, op), "copying image " + o.image);
}

base::Status Copy(Context& ctx, const ImageCopyOptions& o) {
  json body = TRY(ImageCopyPost(o, ctx.remotes));
  SourceSecret secret = TRY(AddSourceSecret(ctx.remotes, o.image, &body["source"]));
  auto pulled = Pull(ctx, o, body);
  WithdrawSourceSecret(secret);
  json done = TRY(std::move(pulled));
  std::string fp = done["metadata"].is_object() ? done["metadata"].value("fingerprint", "") : "";
  std::printf("Image copied successfully!%s\n",
              fp.empty() ? "" : (" (" + fp.substr(0, 12) + ")").c_str());
  return base::Ok();
}

}  // namespace

void RegisterImageCopyCommand(CLI::App& image, Context& ctx) {
  auto o = std::make_shared<ImageCopyOptions>();
  CLI::App* copy = image.add_subcommand("copy", "Copy an image from a remote into nestd's store");
  copy->alias("cp");
  copy->add_option("image", o->image, "REMOTE:ALIAS or REMOTE:FINGERPRINT")->required();
  copy->add_option("target", o->target, "local:")->required();
  copy->add_option("--alias", o->aliases, "Local alias for the copy (repeatable)")
      ->allow_extra_args(false);
  copy->add_flag("--auto-update", o->auto_update,
                 "Keep the copy up to date with the remote's alias");
  copy->add_flag("--public", o->is_public, "Make the copy public");
  copy->add_flag("--copy-aliases", o->copy_aliases,
                 "Also create the remote's aliases of the image locally (where free)");
  copy->footer(
      "The copy is an explicit image: it never expires (a cached copy made by a launch\n"
      "stops being cached). Its source is recorded for --auto-update only when it is\n"
      "copied by alias, as LXD does.\n\n"
      "A private image of a remote that trusts this client (nest remote add with a\n"
      "token) is copied too: the remote gives a one-time secret for it, and nestd\n"
      "presents that secret when it downloads the image.\n\n"
      "Examples:\n"
      "  nest image copy lab:busybox local: --alias bb\n"
      "  nest image copy lab:debian/12 local: --auto-update --copy-aliases");
  copy->callback([&ctx, o] { Run(ctx, [&] { return Copy(ctx, *o); }); });
}

}  // namespace nest::cli
