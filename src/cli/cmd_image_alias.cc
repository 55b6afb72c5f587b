// nest image alias create|delete|list|rename.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/cmd_image.h"
#include "cli/format.h"

namespace nest::cli {
namespace {

using nlohmann::json;

std::string AliasPath(const std::string& name) { return "/1.0/images/aliases/" + PathEscape(name); }

// "local:x" → "x"; other remotes are refused.
base::Result<std::string> LocalName(const std::string& name) {
  size_t colon = name.find(':');
  if (colon == std::string::npos) return name;
  if (name.substr(0, colon) != "local") {
    return base::Error::Invalid("alias \"" + name + "\": only local aliases can be managed");
  }
  return name.substr(colon + 1);
}

base::Status Create(Context& ctx, const std::string& alias, const std::string& target,
                    const std::string& description) {
  std::string name = TRY(LocalName(alias));
  json image = TRY(ResolveImage(ctx, target));
  json body = {{"name", name},
               {"target", image.value("fingerprint", "")},
               {"description", description},
               {"type", "container"}};
  TRY_CTX(ctx.conn.Post("/1.0/images/aliases", body), "creating alias " + name);
  return base::Ok();
}

base::Status DeleteAlias(Context& ctx, const std::string& alias) {
  std::string name = TRY(LocalName(alias));
  TRY_CTX(ctx.conn.Delete(AliasPath(name)), "deleting alias " + name);
  return base::Ok();
}

base::Status Rename(Context& ctx, const std::string& alias, const std::string& new_name) {
  std::string name = TRY(LocalName(alias));
  std::string to = TRY(LocalName(new_name));
  TRY_CTX(ctx.conn.Post(AliasPath(name), {{"name", to}}), "renaming alias " + name);
  return base::Ok();
}

base::Status ListAliases(Context& ctx, const std::vector<std::string>& filters,
                         const std::string& format) {
  json aliases = TRY_CTX(ctx.conn.Get("/1.0/images/aliases?recursion=1"), "listing aliases");
  json shown = json::array();
  for (const json& a : aliases) {
    std::string name = a.value("name", "");
    bool match = filters.empty();
    for (const auto& f : filters) match |= name.find(f) != std::string::npos;
    if (match) shown.push_back(a);
  }
  if (format == "json") {
    std::cout << shown.dump() << "\n" << std::flush;
    return base::Ok();
  }
  if (format == "yaml") {
    std::cout << ToYaml(shown) << std::flush;
    return base::Ok();
  }
  std::vector<Row> rows;
  for (const json& a : shown) {
    std::string type = a.value("type", "");
    std::transform(type.begin(), type.end(), type.begin(), ::toupper);
    if (type.empty()) type = "CONTAINER";
    rows.push_back({a.value("name", ""), a.value("target", "").substr(0, 12), type,
                    a.value("description", "")});
  }
  std::sort(rows.begin(), rows.end());
  std::cout << (format == "csv"
                    ? RenderCsv(rows)
                    : RenderTable({"ALIAS", "FINGERPRINT", "TYPE", "DESCRIPTION"}, rows))
            << std::flush;
  return base::Ok();
}

}  // namespace

void RegisterImageAliasCommands(CLI::App& image, Context& ctx) {
  CLI::App* alias = image.add_subcommand("alias", "Manage image aliases");
  alias->require_subcommand(1);
  alias->footer(
      "An alias names one image; \"nest launch ALIAS\" and every \"nest image\" command\n"
      "accept it. Names may contain '/' (debian/12) but not ':' or spaces.\n\n"
      "Examples:\n"
      "  nest image alias create bb 1a2b3c4d\n"
      "  nest image alias create deb12 deb12-old --description \"Debian 12\"\n"
      "  nest image alias list\n"
      "  nest image alias rename bb busybox\n"
      "  nest image alias delete busybox");

  struct CreateArgs {
    std::string alias, target, description;
  };
  auto c = std::make_shared<CreateArgs>();
  CLI::App* create = alias->add_subcommand("create", "Create an alias for an image");
  create->add_option("alias", c->alias, "The new alias")->required();
  create->add_option("image", c->target, "Fingerprint (prefix) or alias of the image")->required();
  create->add_option("--description", c->description, "Description of the alias");
  create->footer("Examples:\n  nest image alias create bb 1a2b3c4d");
  create->callback(
      [&ctx, c] { Run(ctx, [&] { return Create(ctx, c->alias, c->target, c->description); }); });

  auto d = std::make_shared<std::vector<std::string>>();
  CLI::App* del = alias->add_subcommand("delete", "Delete aliases (the images stay)");
  del->alias("rm");
  del->add_option("aliases", *d, "Aliases to delete")->required();
  del->footer("Examples:\n  nest image alias delete bb");
  del->callback([&ctx, d] {
    for (const auto& a : *d) Run(ctx, [&] { return DeleteAlias(ctx, a); });
  });

  auto r = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* rename = alias->add_subcommand("rename", "Rename an alias");
  rename->alias("mv");
  rename->add_option("alias", r->first, "Current name")->required();
  rename->add_option("new-name", r->second, "New name")->required();
  rename->footer("Examples:\n  nest image alias rename bb busybox");
  rename->callback([&ctx, r] { Run(ctx, [&] { return Rename(ctx, r->first, r->second); }); });

  struct ListArgs {
    std::vector<std::string> filters;
    std::string format = "table";
  };
  auto l = std::make_shared<ListArgs>();
  CLI::App* list = alias->add_subcommand("list", "List aliases");
  list->alias("ls");
  list->add_option("filters", l->filters, "Show only aliases containing one of these strings");
  list->add_option("-f,--format", l->format, "Output format: table, csv, json or yaml")
      ->check(CLI::IsMember({"table", "csv", "json", "yaml"}))
      ->capture_default_str();
  list->footer(
      "Columns: ALIAS, FINGERPRINT (12 digits), TYPE, DESCRIPTION.\n\n"
      "Examples:\n  nest image alias list\n  nest image alias list debian -f csv");
  list->callback([&ctx, l] { Run(ctx, [&] { return ListAliases(ctx, l->filters, l->format); }); });
}

}  // namespace nest::cli
