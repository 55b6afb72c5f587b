#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <initializer_list>
#include <string_view>

namespace nest::cli {

int Main(int argc, const char* const* argv, Context& ctx) {
  CLI::App app{
      "nest manages system containers through nestd, with the verbs LXD users know.\n"
      "It talks to $NEST_SOCKET, else $NEST_DIR/unix.socket, else /var/lib/nest/unix.socket.",
      "nest"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  nest launch builtin:busybox c1\n"
      "  nest exec c1 -- sh\n"
      "  nest list\n"
      "  nest stop c1 && nest delete c1\n\n"
      "Run \"nest COMMAND --help\" for a command's options and examples.");
  // Only the command being run is built when argv[1] names one (CLI11 builds
  // every option of every command otherwise: ~1 ms of each start). Anything
  // else (help, an option, an unknown or unlisted verb) builds them all, so a
  // verb missing from this table only costs that millisecond.
  using Register = void (*)(CLI::App&, Context&);
  static const struct {
    std::initializer_list<std::string_view> verbs;
    Register add;
  } kCommands[] = {
      {{"launch", "init"}, RegisterLaunchCommands},
      {{"copy", "cp"}, RegisterCopyCommand},
      {{"list", "ls"}, RegisterListCommand},
      {{"exec"}, RegisterExecCommand},
      {{"start", "stop", "restart"}, RegisterStateCommands},
      {{"delete", "rm"}, RegisterDeleteCommand},
      {{"info"}, RegisterInfoCommand},
      {{"config"}, RegisterConfigCommand},
      {{"image"}, RegisterImageCommand},
      {{"version"}, RegisterVersionCommand},
      {{"admin"}, RegisterAdminCommand},
      {{"publish"}, RegisterPublishCommand},
      {{"query"}, RegisterQueryCommand},
      {{"remote"}, RegisterRemoteCommand},
  };
  Register only = nullptr;
  if (argc > 1) {
    std::string_view verb = argv[1];
    for (const auto& c : kCommands) {
      for (std::string_view v : c.verbs) {
        if (v == verb) only = c.add;
      }
    }
    // A word that names no command: say so, as lxc does (CLI11 would only
    // report that a subcommand is required).
    if (only == nullptr && !verb.empty() && verb[0] != '-') {
      std::fprintf(
          stderr,
          "Error: unknown command \"%s\" for \"nest\"\nRun \"nest --help\" for the commands.\n",
          argv[1]);
      return 1;
    }
  }
  for (const auto& c : kCommands) {
    if (only == nullptr || c.add == only) c.add(app, ctx);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.exit_code;
}

}  // namespace nest::cli
