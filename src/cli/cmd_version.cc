// nest version.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"

namespace nest::cli {

void RegisterVersionCommand(CLI::App& app, Context& ctx) {
  CLI::App* sub = app.add_subcommand("version", "Show the client and server versions");
  sub->footer("Examples:\n  nest version");
  sub->callback([&ctx] {
    std::printf("Client version: %s\n", NEST_VERSION);
    auto server = ctx.conn.Get("/1.0");
    std::string version = "unreachable";
    if (server.ok() && server->is_object()) {
      version = server->value(nlohmann::json::json_pointer("/environment/server_version"),
                              std::string("unknown"));
    }
    std::printf("Server version: %s\n", version.c_str());
  });
}

}  // namespace nest::cli
