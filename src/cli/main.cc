// nest: the command-line client of nestd.
#include <cstdio>

#include "cli/app.h"

int main(int argc, char** argv) {
  nest::cli::Context ctx;
  ctx.remotes_path = nest::client::DefaultRemotesConfigPath();
  auto remotes = nest::client::LoadRemotes(ctx.remotes_path);
  if (!remotes.ok()) {
    std::fprintf(stderr, "Error: %s\n", remotes.error().message().c_str());
    return 1;
  }
  ctx.remotes = std::move(*remotes);
  return nest::cli::Main(argc, argv, ctx);
}
