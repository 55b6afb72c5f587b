// nest: the command-line client of nestd.
#include "cli/app.h"

int main(int argc, char** argv) {
  nest::cli::Context ctx;
  return nest::cli::Main(argc, argv, ctx);
}
