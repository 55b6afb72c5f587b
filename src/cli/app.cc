#include "cli/app.h"

#include <CLI/CLI.hpp>

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
  RegisterLaunchCommands(app, ctx);
  RegisterCopyCommand(app, ctx);
  RegisterListCommand(app, ctx);
  RegisterExecCommand(app, ctx);
  RegisterStateCommands(app, ctx);
  RegisterDeleteCommand(app, ctx);
  RegisterInfoCommand(app, ctx);
  RegisterConfigCommand(app, ctx);
  RegisterImageCommand(app, ctx);
  RegisterVersionCommand(app, ctx);
  RegisterAdminCommand(app, ctx);
  RegisterPublishCommand(app, ctx);
  RegisterQueryCommand(app, ctx);
  RegisterRemoteCommand(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.exit_code;
}

}  // namespace nest::cli
