#include <unistd.h>

#include <cstdio>
#include <exception>

#include "base/strings.h"
#include "cli/commands.h"
#include "client/operations.h"

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
  std::string id = client::OperationId(operation);
  bool tty = ::isatty(STDERR_FILENO);
  std::string shown;
  std::string shown_stage;
  auto update = [&](const json& op) {
    std::vector<std::string> parts;
    if (auto md = op.find("metadata"); md != op.end() && md->is_object()) {
      for (auto it = md->begin(); it != md->end(); ++it) {
        if (base::EndsWith(it.key(), "_progress") && it->is_string()) {
          parts.push_back(it->get<std::string>());
        }
      }
    }
    std::string line = base::Join(parts, " ");
    if (!tty) {
      // Not a terminal (a log, a pipe): one line per stage, no redrawing.
      std::string stage = ProgressStage(line);
      if (stage.empty() || stage == shown_stage) return;
      std::fprintf(stderr, "%s\n", stage.c_str());
      std::fflush(stderr);
      shown_stage = stage;
      return;
    }
    if (line == shown) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    shown = line;
  };
  json final_op = TRY(client::PollOperation(ctx.conn, id, tty ? 100 : 250, update));
  if (!shown.empty()) std::fprintf(stderr, "\r\033[K");
  TRY(client::OperationOutcome(final_op));
  return final_op;
}

std::string ProgressStage(std::string_view line) {
  std::string_view stage = line.substr(0, line.find(" ("));
  while (!stage.empty() && (stage.back() == '%' || stage.back() == ' ' ||
                            (stage.back() >= '0' && stage.back() <= '9'))) {
    stage.remove_suffix(1);
  }
  return std::string(stage);
}

base::Result<std::pair<std::string, std::string>> ParseKeyValue(const std::string& kv) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    return base::Error::Invalid("bad key=value pair: \"" + kv + "\"");
  }
  return std::make_pair(kv.substr(0, eq), kv.substr(eq + 1));
}

}  // namespace nest::cli
