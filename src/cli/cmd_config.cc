// nest config set|get|unset|show (server config, or an instance's when named).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/server_config.h"

namespace nest::cli {

using nlohmann::json;

base::Result<ConfigSet> ParseConfigSet(const std::vector<std::string>& args) {
  auto has_eq = [](const std::string& s) { return s.find('=') != std::string::npos; };
  ConfigSet out;
  size_t first_kv = 0;
  if (args.empty()) return base::Error::Invalid("config set: missing KEY VALUE");
  if (!has_eq(args[0])) {
    if (args.size() == 2 && !has_eq(args[1])) {
      out.values[args[0]] = args[1];
      return out;
    }
    if (args.size() == 3 && !has_eq(args[1])) {
      out.instance = args[0];
      out.values[args[1]] = args[2];
      return out;
    }
    if (args.size() < 2) return base::Error::Invalid("config set: missing value for " + args[0]);
    out.instance = args[0];
    first_kv = 1;
  }
  for (size_t i = first_kv; i < args.size(); ++i) {
    auto [k, v] = TRY_CTX(ParseKeyValue(args[i]), "config set");
    out.values[k] = v;
  }
  return out;
}

namespace {

std::string InstancePath(const std::string& name) { return "/1.0/instances/" + name; }

// The writable part of an Instance (InstancePut), in lxc's field order.
nlohmann::ordered_json Writable(const json& inst) {
  nlohmann::ordered_json out;
  for (const char* key :
       {"architecture", "config", "devices", "ephemeral", "profiles", "stateful", "description"}) {
    if (inst.contains(key)) out[key] = nlohmann::ordered_json::parse(inst[key].dump());
  }
  return out;
}

base::Status UpdateInstanceConfig(Context& ctx, const std::string& name,
                                  const std::function<base::Status(json&)>& change) {
  std::string etag;
  json inst = TRY(ctx.conn.Get(InstancePath(name), &etag));
  if (!inst.contains("config") || !inst["config"].is_object()) inst["config"] = json::object();
  TRY(change(inst["config"]));
  json body = json::parse(Writable(inst).dump());
  client::Headers headers;
  if (!etag.empty()) headers.emplace_back("If-Match", etag);
  json op = TRY_CTX(ctx.conn.Put(InstancePath(name), body, headers), "updating " + name);
  TRY_CTX(WaitWithProgress(ctx, op), "updating " + name);
  return base::Ok();
}

base::Status Set(Context& ctx, const std::vector<std::string>& args) {
  ConfigSet set = TRY(ParseConfigSet(args));
  if (set.instance.empty()) {
    json config = json::object();
    for (const auto& [k, v] : set.values) config[k] = v;
    TRY(ctx.conn.Patch("/1.0", {{"config", config}}));
    return base::Ok();
  }
  return UpdateInstanceConfig(ctx, set.instance, [&](json& config) {
    for (const auto& [k, v] : set.values) config[k] = v;
    return base::Ok();
  });
}

base::Status Get(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    return base::Error::Invalid("config get: expected [NAME] KEY");
  }
  json obj = TRY(ctx.conn.Get(args.size() == 2 ? InstancePath(args[0]) : "/1.0"));
  const std::string& key = args.back();
  std::string value;
  if (auto c = obj.find("config"); c != obj.end() && c->is_object()) {
    if (auto v = c->find(key); v != c->end())
      value = v->is_string() ? v->get<std::string>() : v->dump();
  }
  // An unset server key reads as its default: what the server acts on.
  if (value.empty() && args.size() == 1) value = core::DefaultValue(key);
  std::cout << value << "\n" << std::flush;
  return base::Ok();
}

base::Status Unset(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    return base::Error::Invalid("config unset: expected [NAME] KEY");
  }
  const std::string key = args.back();
  if (args.size() == 2) {
    return UpdateInstanceConfig(ctx, args[0], [&](json& config) -> base::Status {
      if (!config.contains(key)) {
        return base::Error::Invalid("can't unset key '" + key + "', it's not currently set");
      }
      config.erase(key);
      return base::Ok();
    });
  }
  std::string etag;
  json server = TRY(ctx.conn.Get("/1.0", &etag));
  json config =
      server.contains("config") && server["config"].is_object() ? server["config"] : json::object();
  config.erase(key);
  client::Headers headers;
  if (!etag.empty()) headers.emplace_back("If-Match", etag);
  TRY(ctx.conn.Put("/1.0", {{"config", config}}, headers));
  return base::Ok();
}

base::Status Show(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) return base::Error::Invalid("config show: expected at most one NAME");
  if (args.empty()) {
    json server = TRY(ctx.conn.Get("/1.0"));
    nlohmann::ordered_json out;
    out["config"] = nlohmann::ordered_json::parse(
        (server.contains("config") ? server["config"] : json::object()).dump());
    std::cout << ToYaml(out) << std::flush;
    return base::Ok();
  }
  json inst = TRY(ctx.conn.Get(InstancePath(args[0])));
  std::cout << ToYaml(Writable(inst)) << std::flush;
  return base::Ok();
}

void AddVerb(CLI::App* config, Context& ctx, const std::string& verb,
             const std::string& description, const std::string& usage,
             base::Status (*fn)(Context&, const std::vector<std::string>&)) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = config->add_subcommand(verb, description);
  sub->add_option("args", *args, usage);
  sub->callback([&ctx, args, fn] { Run(ctx, [&] { return fn(ctx, *args); }); });
}

}  // namespace

void RegisterConfigCommand(CLI::App& app, Context& ctx) {
  CLI::App* config =
      app.add_subcommand("config", "Show and change server or instance configuration");
  config->require_subcommand(1);
  config->footer(
      "Without an instance name the keys are the server's (GET/PATCH /1.0); with one,\n"
      "the instance's (its config is replaced with If-Match, so concurrent edits fail\n"
      "instead of being lost).\n\n"
      "Examples:\n"
      "  nest config set images.auto_update_interval 6\n"
      "  nest config set images.auto_update_interval=6 images.remote_cache_expiry=10\n"
      "  nest config get images.auto_update_interval\n"
      "  nest config unset images.auto_update_interval\n"
      "  nest config show\n"
      "  nest config set c1 limits.memory 512MiB\n"
      "  nest config set c1 security.nesting=true limits.cpu=2\n"
      "  nest config get c1 limits.memory\n"
      "  nest config unset c1 limits.memory\n"
      "  nest config show c1");
  AddVerb(config, ctx, "set", "Set configuration keys",
          "KEY VALUE | KEY=VALUE... | NAME KEY VALUE | NAME KEY=VALUE...", Set);
  AddVerb(config, ctx, "get", "Print a configuration value", "[NAME] KEY", Get);
  AddVerb(config, ctx, "unset", "Remove a configuration key", "[NAME] KEY", Unset);
  AddVerb(config, ctx, "show", "Print the configuration as YAML", "[NAME]", Show);
  RegisterTrustCommand(*config, ctx);
}

}  // namespace nest::cli
