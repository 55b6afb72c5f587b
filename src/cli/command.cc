#include <unistd.h>

#include <cstdio>
#include <exception>

#include "base/strings.h"
#include "cli/commands.h"
#include "client/operations.h"
#include "client/progress.h"

namespace nest::cli {

using nlohmann::json;

void Run(Context& ctx, const std::function<base::Status()>& body) {
  std::string error;
  try {
    base::Status s = body();
    if (s.ok()) return;
    error = s.error().message();
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::fflush(stdout);
  std::fprintf(stderr, "Error: %s\n", error.c_str());
  ctx.exit_code = 1;
}

base::Result<json> WaitWithProgress(Context& ctx, const json& operation) {
  client::ProgressRenderer renderer(stderr, ::isatty(STDERR_FILENO) == 1);
  json final_op = TRY(client::WaitWithProgress(ctx.conn, client::OperationId(operation), renderer));
  if (auto md = final_op.find("metadata"); md != final_op.end() && md->is_object()) {
    if (auto w = md->find("warning"); w != md->end() && w->is_string()) {
      std::fprintf(stderr, "Warning: %s\n", w->get<std::string>().c_str());
    }
  }
  TRY(client::OperationOutcome(final_op));
  return final_op;
}

base::Result<std::pair<std::string, std::string>> ParseKeyValue(const std::string& kv) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    return base::Error::Invalid("bad key=value pair: \"" + kv + "\"");
  }
  return std::make_pair(kv.substr(0, eq), kv.substr(eq + 1));
}

}  // namespace nest::cli
