// nest image list|info|show|edit|delete (alias, import and export: cmd_image_*.cc).
#include "cli/cmd_image.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "base/strings.h"
#include "cli/format.h"
#include "cli/image_format.h"

namespace nest::cli {

using nlohmann::json;

base::Result<json> ResolveImage(Context& ctx, std::string_view image) {
  std::string name(image);
  if (size_t colon = name.find(':'); colon != std::string::npos) {
    std::string remote = name.substr(0, colon);
    if (remote != "local") {
      return base::Error::Invalid("image \"" + name + "\": only local images can be used here (" +
                                  "remote \"" + remote + "\")");
    }
    name = name.substr(colon + 1);
  }
  if (name.empty()) return base::Error::Invalid("empty image name");
  auto alias = ctx.conn.Get("/1.0/images/aliases/" + PathEscape(name));
  if (alias.ok()) {
    return TRY_CTX(ctx.conn.Get("/1.0/images/" + alias->value("target", "")),
                   "image of alias \"" + name + "\"");
  }
  if (alias.error().kind() != base::ErrorKind::kNotFound) return std::move(alias).error();
  auto img = ctx.conn.Get("/1.0/images/" + PathEscape(name));
  if (!img.ok() && img.error().kind() == base::ErrorKind::kNotFound) {
    return base::Error::NotFound("image \"" + name +
                                 "\" not found: no alias and no fingerprint starting with it");
  }
  return img;
}

namespace {

base::Status ListImages(Context& ctx, const std::string& format) {
  json images = TRY_CTX(ctx.conn.Get("/1.0/images?recursion=1"), "listing images");
  std::cout << TRY(RenderImageList(images, format)) << std::flush;
  return base::Ok();
}

base::Status ImageInfo(Context& ctx, const std::string& name) {
  json image = TRY(ResolveImage(ctx, name));
  std::cout << RenderImageInfo(image) << std::flush;
  return base::Ok();
}

base::Status Refresh(Context& ctx, const std::string& name) {
  json image = TRY(ResolveImage(ctx, name));
  std::string fp = image.value("fingerprint", "");
  json op = TRY(ctx.conn.Post("/1.0/images/" + fp + "/refresh", json::object()));
  json done = TRY_CTX(WaitWithProgress(ctx, op), "refreshing image " + fp.substr(0, 12));
  const json& md = done["metadata"];
  if (md.is_object() && md.value("refreshed", false)) {
    std::cout << "Image " << fp.substr(0, 12) << " refreshed to "
              << md.value("fingerprint", "").substr(0, 12)
              << (md.value("old_kept", false) ? " (old version kept while containers use it)" : "")
              << "\n";
  } else {
    std::cout << "Image " << fp.substr(0, 12) << " is already up to date.\n";
  }
  std::cout << std::flush;
  return base::Ok();
}

base::Status Show(Context& ctx, const std::string& name) {
  json image = TRY(ResolveImage(ctx, name));
  std::cout << ToYaml(ImageWritable(image)) << std::flush;
  return base::Ok();
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return node.as<std::string>();
    default:
      return nullptr;
  }
}

// The ImagePut body for edited YAML: booleans for auto_update and public,
// strings elsewhere, as LXD reads it.
base::Result<json> ParseImagePut(const std::string& text) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return base::Error::Invalid(std::string("the YAML is invalid: ") + e.what());
  }
  if (node.IsNull()) return json::object();
  if (!node.IsMap()) return base::Error::Invalid("the YAML must be a mapping (auto_update: …)");
  json put = YamlToJson(node);
  for (const char* key : {"auto_update", "public"}) {
    if (!put.contains(key) || put[key].is_null()) continue;
    std::string v = put[key].is_string() ? put[key].get<std::string>() : "";
    if (v == "true" || v == "yes" || v == "on") {
      put[key] = true;
    } else if (v == "false" || v == "no" || v == "off") {
      put[key] = false;
    } else {
      return base::Error::Invalid(std::string("\"") + key + "\" must be true or false, not \"" + v +
                                  "\"");
    }
  }
  if (put.contains("properties") && put["properties"].is_null()) put["properties"] = json::object();
  if (put.contains("expires_at") && put["expires_at"].is_null()) put.erase("expires_at");
  return put;
}

base::Result<std::string> RunEditor(const std::string& text) {
  char path[] = "/tmp/nest-image-edit-XXXXXX.yaml";
  int fd = ::mkstemps(path, 5);
  if (fd < 0) return base::Error::FromErrno("creating a temporary file", errno);
  ::close(fd);
  {
    std::ofstream f(path);
    f << text;
  }
  std::string editor;
  for (const char* var : {"VISUAL", "EDITOR"}) {
    if (const char* e = std::getenv(var); e && *e) {
      editor = e;
      break;
    }
  }
  if (editor.empty()) editor = "vi";
  std::string cmd = editor + " '" + path + "'";
  int rc = std::system(cmd.c_str());
  std::ifstream f(path);
  std::string out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ::unlink(path);
  if (rc != 0)
    return base::Error::Internal("editor \"" + editor + "\" failed (status " + std::to_string(rc) +
                                 ")");
  return out;
}

base::Status Edit(Context& ctx, const std::string& name) {
  json image = TRY(ResolveImage(ctx, name));
  std::string path = "/1.0/images/" + image.value("fingerprint", "");
  std::string etag;
  image = TRY(ctx.conn.Get(path, &etag));
  client::Headers headers;
  if (!etag.empty()) headers.emplace_back("If-Match", etag);
  if (!::isatty(STDIN_FILENO)) {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    json put = TRY(ParseImagePut(text));
    TRY_CTX(ctx.conn.Put(path, put, headers), "updating image " + name);
    return base::Ok();
  }
  std::string text =
      "### This is a YAML representation of the image properties.\n"
      "### Any line starting with a '# will be ignored.\n###\n"
      "### Each property is represented by a single line:\n"
      "### An example would be:\n###  description: My custom image\n" +
      ToYaml(ImageWritable(image));
  for (;;) {
    text = TRY(RunEditor(text));
    base::Status s = [&]() -> base::Status {
      json put = TRY(ParseImagePut(text));
      TRY(ctx.conn.Put(path, put, headers));
      return base::Ok();
    }();
    if (s.ok()) return base::Ok();
    std::fprintf(stderr,
                 "Config parsing error: %s\n"
                 "Press enter to open the editor again or ctrl+c to abort change\n",
                 s.error().message().c_str());
    std::string line;
    if (!std::getline(std::cin, line)) return s;
  }
}

base::Status DeleteImage(Context& ctx, const std::string& name) {
  json image = TRY(ResolveImage(ctx, name));
  std::string fp = image.value("fingerprint", "");
  json op = TRY_CTX(ctx.conn.Delete("/1.0/images/" + fp), "deleting image " + name);
  TRY_CTX(WaitWithProgress(ctx, op), "deleting image " + name);
  return base::Ok();
}

CLI::App* AddOne(CLI::App* image, Context& ctx, const std::string& verb, const std::string& help,
                 const std::string& footer, base::Status (*fn)(Context&, const std::string&)) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = image->add_subcommand(verb, help);
  sub->add_option("image", *name, "Alias or fingerprint (prefix) of a local image")->required();
  sub->footer(footer);
  sub->callback([&ctx, name, fn] { Run(ctx, [&] { return fn(ctx, *name); }); });
  return sub;
}

}  // namespace

void RegisterImageCommand(CLI::App& app, Context& ctx) {
  CLI::App* image = app.add_subcommand("image", "Manage images: import, list, show, edit, export");
  image->require_subcommand(1);
  image->footer(
      "An IMAGE is an alias (\"bb\", \"debian/12\", optionally \"local:bb\") or a unique\n"
      "prefix of a fingerprint. Images live in nestd's store; the formats are LXD's, so\n"
      "files exported by nest import into LXD with the same fingerprint and back.\n\n"
      "Examples:\n"
      "  nest image import unified.tar.gz --alias bb\n"
      "  nest image import meta.tar.xz rootfs.squashfs --alias deb12\n"
      "  nest image list\n"
      "  nest image info bb\n"
      "  nest image export bb /tmp/\n"
      "  nest image alias create mine 1a2b3c\n"
      "  nest image delete bb");

  auto format = std::make_shared<std::string>("table");
  CLI::App* list = image->add_subcommand("list", "List images");
  list->alias("ls");
  list->add_option("-f,--format", *format, "Output format: table, csv, json or yaml")
      ->check(CLI::IsMember({"table", "csv", "json", "yaml"}))
      ->capture_default_str();
  list->footer(
      "Columns: ALIAS (the shortest, \"(N more)\" when there are others), FINGERPRINT\n"
      "(first 12 digits), PUBLIC, DESCRIPTION, ARCHITECTURE, TYPE, SIZE, UPLOAD DATE\n"
      "(as lxc image list). json and yaml print the full Image objects; csv has no header.\n\n"
      "Examples:\n  nest image list\n  nest image list -f csv\n"
      "  nest image list -f json | jq -r '.[].fingerprint'");
  list->callback([&ctx, format] { Run(ctx, [&] { return ListImages(ctx, *format); }); });

  AddOne(image, ctx, "info", "Show an image's details",
         "Prints the fingerprint, size, architecture, type, public flag, timestamps\n"
         "(created, uploaded, expires, last used), properties, aliases, cached, auto\n"
         "update and, for downloaded images, their source (as lxc image info).\n\n"
         "Examples:\n  nest image info bb\n  nest image info 1a2b3c",
         ImageInfo);
  AddOne(image, ctx, "refresh", "Check an image against its source now",
         "Asks the image's update source (the remote and alias it was copied from)\n"
         "which image the alias names now; when that is a new one, downloads and\n"
         "verifies it, then moves the aliases to it and removes the old image (kept\n"
         "while containers use it). A failed download changes nothing. Works whatever\n"
         "images.auto_update_interval and the image's auto_update flag say.\n\n"
         "Examples:\n  nest image refresh bb",
         Refresh);
  AddOne(image, ctx, "show", "Print an image's writable properties as YAML",
         "Prints auto_update, properties, public, expires_at and profiles: what\n"
         "\"nest image edit\" accepts.\n\nExamples:\n  nest image show bb",
         Show);
  AddOne(image, ctx, "edit", "Edit an image's writable properties",
         "Opens the YAML of \"nest image show\" in $VISUAL or $EDITOR (default vi); when\n"
         "stdin is not a terminal the new YAML is read from it instead. The update is\n"
         "refused if the image changed meanwhile (If-Match).\n\n"
         "Examples:\n"
         "  nest image edit bb\n"
         "  nest image show bb | sed 's/public: false/public: true/' | nest image edit bb",
         Edit);

  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* del = image->add_subcommand("delete", "Delete images");
  del->alias("rm");
  del->add_option("images", *names, "Aliases or fingerprints")->required();
  del->footer(
      "Removes the image, its aliases and its files from the store. An image that\n"
      "instances were created from cannot be deleted while they exist.\n\n"
      "Examples:\n  nest image delete bb\n  nest image rm 1a2b3c deb12");
  del->callback([&ctx, names] {
    for (const std::string& n : *names) Run(ctx, [&] { return DeleteImage(ctx, n); });
  });

  RegisterImageAliasCommands(*image, ctx);
  RegisterImageTransferCommands(*image, ctx);
  RegisterImageStreamsCommand(*image, ctx);
  RegisterImageCopyCommand(*image, ctx);
}

}  // namespace nest::cli
