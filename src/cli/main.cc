// nest: the command-line client of nestd.
#include <unistd.h>

#include <cstdio>

#include "cli/app.h"

int main(int argc, char** argv) {
  int rc;
  {
    nest::cli::Context ctx;
    ctx.remotes_path = nest::client::DefaultRemotesConfigPath();
    auto remotes = nest::client::LoadRemotes(ctx.remotes_path);
    if (!remotes.ok()) {
      std::fprintf(stderr, "Error: %s\n", remotes.error().message().c_str());
      return 1;
    }
    ctx.remotes = std::move(*remotes);
    rc = nest::cli::Main(argc, argv, ctx);
  }
  // Every command has finished its work (files closed in their scopes): skip
  // the static destructors and atexit handlers (CLI11's validators, OpenSSL's
  // cleanup), ~0.5 ms of page faults at each command on this VM.
  std::fflush(nullptr);
  ::_exit(rc);
}
