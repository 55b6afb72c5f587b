// The `nest` commands: each group registers its subcommands on the CLI11 app;
// the request-building parts are pure functions, declared here for tests.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "client/connection.h"
#include "client/remotes.h"

namespace CLI {
class App;
}

namespace nest::cli {

struct Context {
  client::Connection conn;
  client::Remotes remotes = client::Remotes::Default();
  std::string remotes_path;  // where `nest remote` saves remotes
  int exit_code = 0;
};

// Runs a command body; an error prints "Error: <message>" on stderr and sets
// exit code 1. Escaping exceptions are reported the same way.
void Run(Context& ctx, const std::function<base::Status()>& body);

// Waits for `operation` to finish, showing its "*_progress" metadata on stderr
// (client/progress.h: one updating line on a terminal, plain lines otherwise)
// and printing a "warning" it carries. A failed operation is an error carrying
// the server's text.
base::Result<nlohmann::json> WaitWithProgress(Context& ctx, const nlohmann::json& operation);

void RegisterLaunchCommands(CLI::App& app, Context& ctx);  // launch, init
void RegisterListCommand(CLI::App& app, Context& ctx);
void RegisterExecCommand(CLI::App& app, Context& ctx);
void RegisterStateCommands(CLI::App& app, Context& ctx);  // start, stop, restart
void RegisterDeleteCommand(CLI::App& app, Context& ctx);
void RegisterInfoCommand(CLI::App& app, Context& ctx);
void RegisterConfigCommand(CLI::App& app, Context& ctx);
void RegisterTrustCommand(CLI::App& config, Context& ctx);  // config trust …
void RegisterImageCommand(CLI::App& app, Context& ctx);     // image …
void RegisterVersionCommand(CLI::App& app, Context& ctx);
void RegisterAdminCommand(CLI::App& app, Context& ctx);  // admin run-task
void RegisterPublishCommand(CLI::App& app, Context& ctx);
void RegisterCopyCommand(CLI::App& app, Context& ctx);

// copy: the InstancesPost body with a "copy" source, as lxc builds it from the
// source instance `source` (GET /1.0/instances/NAME): its config without the
// server's volatile.* keys (volatile.base_image kept), devices, its profiles
// (none with no_profiles) with `profiles` appended, then `config` "key=value"
// set. kInvalid for an invalid target name or a malformed key=value.
struct CopyOptions {
  std::string source;
  std::string target;
  std::vector<std::string> config;
  std::vector<std::string> profiles;
  bool no_profiles = false;
  bool ephemeral = false;
};
base::Result<nlohmann::json> CopyPost(const CopyOptions& options, const nlohmann::json& source);

// publish: the ImagesPost body with an instance source.
struct PublishOptions {
  std::string instance;
  std::vector<std::string> aliases;
  std::vector<std::string> properties;  // key=value
  bool is_public = false;
};
base::Result<nlohmann::json> PublishPost(const PublishOptions& options);
void RegisterQueryCommand(CLI::App& app, Context& ctx);   // query (local or --url)
void RegisterRemoteCommand(CLI::App& app, Context& ctx);  // remote …

// remote list --format table|csv|json|yaml.
base::Result<std::string> RenderRemoteList(const client::Remotes& remotes,
                                           const std::string& format);

// launch/init: the InstancesPost body. `config` holds "key=value" strings.
struct LaunchOptions {
  std::string image;
  std::string name;  // empty: caller picks one
  std::vector<std::string> config;
  std::vector<std::string> profiles;
  bool ephemeral = false;
  bool start = true;
};
base::Result<nlohmann::json> InstancesPost(const LaunchOptions& options,
                                           const client::Remotes& remotes);

// "key=value" → {key, value}; kInvalid without '=' or with an empty key.
base::Result<std::pair<std::string, std::string>> ParseKeyValue(const std::string& kv);

// config set: which target and which values.
//   KEY VALUE | KEY=VALUE...        → server
//   NAME KEY VALUE | NAME KEY=VALUE... → instance NAME
struct ConfigSet {
  std::string instance;  // empty: the server
  std::map<std::string, std::string> values;
};
base::Result<ConfigSet> ParseConfigSet(const std::vector<std::string>& args);

// lxc list --format: table, csv, json, yaml. kInvalid for others.
base::Result<std::string> RenderInstanceList(const nlohmann::json& instances,
                                             const std::string& format);

}  // namespace nest::cli
