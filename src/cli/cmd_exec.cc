// nest exec.
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "client/exec.h"

namespace nest::cli {
namespace {

struct ExecFlags {
  std::string name;
  std::vector<std::string> command;
  bool force_interactive = false;     // -t
  bool force_noninteractive = false;  // -T
  bool stdin_null = false;            // -n
  std::vector<std::string> env;
  std::string cwd;
  uint32_t user = 0;
  uint32_t group = 0;
};

base::Status Exec(Context& ctx, const ExecFlags& f) {
  client::ExecOptions o;
  o.command = f.command;
  o.interactive = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (f.force_interactive) o.interactive = true;
  if (f.force_noninteractive) o.interactive = false;
  o.stdin_null = f.stdin_null;
  o.cwd = f.cwd;
  o.user = f.user;
  o.group = f.group;
  o.forward_signals = true;
  if (o.interactive) {
    if (const char* term = std::getenv("TERM"); term && *term) o.environment["TERM"] = term;
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
      o.width = ws.ws_col;
      o.height = ws.ws_row;
    }
  }
  for (const std::string& kv : f.env) {
    auto [k, v] = TRY(ParseKeyValue(kv));
    o.environment[k] = v;
  }

  client::ExecOutcome outcome = TRY(client::Exec(ctx.conn, f.name, o));
  if (!outcome.error.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "Error: %s\n", outcome.error.c_str());
  }
  if (outcome.return_code) {
    ctx.exit_code = *outcome.return_code & 0xff;
  } else {
    ctx.exit_code = outcome.error.empty() ? 0 : 1;
  }
  return base::Ok();
}

}  // namespace

void RegisterExecCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ExecFlags>();
  CLI::App* sub = app.add_subcommand("exec", "Run a command in an instance");
  sub->add_option("name", f->name, "Instance name")->required();
  sub->add_option("command", f->command, "Command and its arguments (after --)")->required();
  sub->add_flag("-t,--force-interactive", f->force_interactive,
                "Allocate a terminal even when stdin/stdout are not terminals");
  sub->add_flag("-T,--force-noninteractive", f->force_noninteractive,
                "Use pipes, not a terminal, even when stdin/stdout are terminals");
  sub->add_flag("-n,--disable-stdin", f->stdin_null, "Read stdin from /dev/null");
  sub->add_option("--env", f->env, "Environment variable KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--cwd", f->cwd, "Directory to run the command in");
  sub->add_option("--user", f->user, "User ID to run the command as (default 0)");
  sub->add_option("--group", f->group, "Group ID to run the command as (default 0)");
  sub->footer(
      "Mode: interactive (a terminal, TERM passed along) when stdin and stdout are both\n"
      "terminals, else pipes; -t/-T override. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1\n"
      "and SIGUSR2 are forwarded to the command; a terminal resize is too.\n"
      "Exit status: the command's own (128+N when killed by signal N).\n\n"
      "Examples:\n"
      "  nest exec c1 -- bash\n"
      "  nest exec c1 -- sh -c 'echo $HOME'\n"
      "  nest exec c1 --env FOO=bar --cwd /tmp -- env\n"
      "  tar c dir | nest exec c1 -T -- tar x -C /root");
  sub->callback([&ctx, f] { Run(ctx, [&] { return Exec(ctx, *f); }); });
}

}  // namespace nest::cli
