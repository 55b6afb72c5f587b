#include "client/progress.h"

#include <cstdlib>

#include "base/strings.h"
#include "client/operations.h"
#include "client/websocket.h"

namespace nest::client {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::string Bytes(const std::string& n) {
  char* end = nullptr;
  double v = std::strtod(n.c_str(), &end);
  if (n.empty() || *end) return n;
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.2f%s" : "%.0f%s", v, units[u]);
  return buf;
}

constexpr int kQuietWaitSeconds = 1;

}  // namespace

std::string ProgressText(const json& md) {
  if (!md.is_object()) return "";
  if (auto p = md.find("progress"); p != md.end() && p->is_object()) {
    std::string stage = Str(*p, "stage"), percent = Str(*p, "percent");
    std::string done = Str(*p, "processed"), total = Str(*p, "total"), speed = Str(*p, "speed");
    if (!stage.empty() && !percent.empty()) {
      std::string text = stage + ": " + percent + "%";
      if (!done.empty()) text += " " + Bytes(done) + (total.empty() ? "" : "/" + Bytes(total));
      if (!speed.empty()) text += " (" + Bytes(speed) + "/s)";
      return text;
    }
  }
  std::vector<std::string> parts;
  for (auto it = md.begin(); it != md.end(); ++it) {
    if (base::EndsWith(it.key(), "_progress") && it->is_string() &&
        !it->get<std::string>().empty()) {
      parts.push_back(it->get<std::string>());
    }
  }
  return base::Join(parts, ", ");
}

void ProgressRenderer::Update(const json& metadata) {
  std::string line = ProgressText(metadata);
  std::lock_guard lock(mu_);
  if (line.empty() || line == shown_) return;
  if (terminal_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
  } else {
    // Plain output: one line when the stage changes and at each 25% step.
    std::string stage = line.substr(0, line.find(':'));
    int step = -1;
    if (size_t pct = line.find('%'); pct != std::string::npos) {
      size_t start = line.find_last_of(' ', pct);
      step = std::atoi(line.substr(start == std::string::npos ? 0 : start + 1).c_str()) / 25;
    }
    if (stage == last_stage_ && step == last_step_) return;
    last_stage_ = stage;
    last_step_ = step;
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  shown_ = line;
}

void ProgressRenderer::Done() {
  std::lock_guard lock(mu_);
  if (terminal_ && !shown_.empty()) std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_.clear();
}

base::Result<json> WaitWithProgress(Connection& conn, std::string_view id_or_url,
                                    ProgressRenderer& renderer) {
  std::string id = OperationId(json(std::string(id_or_url)));
  // Most operations (create from a stored image, start, stop) end within a
  // second: one /wait answers them without an events stream and its thread.
  // Longer ones (downloads, builds) then show progress from the events stream.
  json early = TRY(WaitOperationFinal(conn, id, kQuietWaitSeconds));
  if (OperationFinished(early)) {
    renderer.Done();
    return early;
  }
  if (auto md = early.find("metadata"); md != early.end()) renderer.Update(*md);
  EventLoop loop;
  loop.Start();
  auto ws = WebSocket::Connect(loop, conn.socket_path(), "/1.0/events?type=operation");
  if (!ws.ok()) {
    loop.Stop();
    json op = TRY(PollOperation(conn, id, 100, [&](const json& o) {
      if (auto md = o.find("metadata"); md != o.end()) renderer.Update(*md);
    }));
    renderer.Done();
    return op;
  }
  (*ws)->StartReading(
      [&renderer, id](std::string_view text) {
        json ev = json::parse(text, nullptr, false);
        if (ev.is_discarded() || ev.value("type", "") != "operation") return;
        const json& op = ev["metadata"];
        if (!op.is_object() || op.value("id", "") != id) return;
        if (auto md = op.find("metadata"); md != op.end()) renderer.Update(*md);
      },
      [] {});
  // The events stream shows progress; /wait gives the final state (also when
  // the operation ended before the stream was open).
  auto final_op = WaitOperationFinal(conn, id);
  (*ws)->Close();
  loop.Stop();
  renderer.Done();
  return final_op;
}

}  // namespace nest::client
