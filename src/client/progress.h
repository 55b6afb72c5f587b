// Progress of an operation on the terminal: every string in its metadata whose
// key ends in "_progress" (download_progress, and any other stage's), plus the
// structured "progress" {stage, percent, processed, total, speed} when given,
// rendered from the operation events nestd publishes on /1.0/events.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "client/connection.h"

namespace nest::client {

// The text for an operation's metadata: "rootfs: 45% 12.3MB/27.5MB (3.10MB/s)"
// when a structured "progress" is present, else the "*_progress" strings joined
// by ", " (key order). "" when there is nothing to show.
std::string ProgressText(const nlohmann::json& metadata);

// Thread-safety: Update and Done may be called from different threads.
class ProgressRenderer {
 public:
  // terminal: one line rewritten in place ("\r\033[K"); otherwise a plain line
  // per change of stage or each 25% step.
  ProgressRenderer(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  void Update(const nlohmann::json& metadata);
  // Clears the line (terminal).
  void Done();

 private:
  std::FILE* out_;
  bool terminal_;
  std::mutex mu_;
  std::string shown_;       // protected by mu_
  std::string last_stage_;  // protected by mu_
  int last_step_ = -1;      // protected by mu_
};

// Waits for operation `id_or_url` to end, feeding `renderer` from its
// operation events (a websocket on /1.0/events?type=operation; when that
// cannot be opened, by polling). Returns the final Operation, any status.
base::Result<nlohmann::json> WaitWithProgress(Connection& conn, std::string_view id_or_url,
                                              ProgressRenderer& renderer);

}  // namespace nest::client
