#include "runtime/running_state.h"

#include <nlohmann/json.hpp>

#include "runtime/launcher.h"
#include "sys/syscalls.h"

namespace nest::runtime {

std::string SerializeRunning(const RunningState& s) {
  return nlohmann::json{{"monitor_pid", s.monitor_pid},
                        {"init_pid", s.init_pid},
                        {"started_at", s.started_at},
                        {"stop_signal", s.stop_signal}}
      .dump();
}

base::Result<RunningState> ParseRunning(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    return RunningState{j.at("monitor_pid"), j.at("init_pid"), j.at("started_at"),
                        j.value("stop_signal", 0)};
  } catch (const std::exception& e) {
    return base::Error::Invalid(std::string("running state: ") + e.what());
  }
}

std::optional<RunningState> FindRunning(const std::string& container_dir) {
  auto text = sys::ReadFile(container_dir + "/running.json");
  if (!text) return std::nullopt;
  auto state = ParseRunning(*text);
  if (!state) return std::nullopt;
  // The pid must still be this container's monitor: compare its command line.
  auto cmdline = sys::ReadFile("/proc/" + std::to_string(state->monitor_pid) + "/cmdline");
  if (!cmdline) return std::nullopt;
  std::string expected = std::string("nest-monitor") + '\0' + container_dir + '\0';
  if (cmdline->find(expected) == std::string::npos) return std::nullopt;
  return *state;
}

std::optional<RunningState> RunningCache::Find(const std::string& container_dir) {
  {
    std::lock_guard lock(mu_);
    if (auto it = known_.find(container_dir); it != known_.end()) {
      if (!WaitPidExit(it->second.monitor.get(), 0) &&
          sys::Exists(container_dir + "/running.json")) {
        return it->second.state;
      }
      known_.erase(it);
    }
  }
  auto state = FindRunning(container_dir);
  if (!state) return std::nullopt;
  auto monitor = sys::PidfdOpen(state->monitor_pid);
  if (!monitor) return std::nullopt;  // gone since
  // FindRunning checked the pid's command line before the pidfd pinned the
  // process: check again, so a pid reused in between is not kept.
  if (!FindRunning(container_dir)) return std::nullopt;
  std::lock_guard lock(mu_);
  KeepLocked(container_dir, *state, std::move(*monitor));
  return state;
}

void RunningCache::KeepLocked(const std::string& container_dir, const RunningState& state,
                              base::UniqueFd monitor) {
  // Entries of monitors gone (containers stopped or deleted) go as new ones
  // come: their descriptors would pile up in nestd, and every exec'd command
  // starts with a copy of nestd's descriptor table.
  for (auto it = known_.begin(); it != known_.end();) {
    it = WaitPidExit(it->second.monitor.get(), 0) ? known_.erase(it) : std::next(it);
  }
  known_[container_dir] = Known{state, std::move(monitor), nullptr};
}

void RunningCache::Remember(const std::string& container_dir, const RunningState& state) {
  auto monitor = sys::PidfdOpen(state.monitor_pid);
  if (!monitor) return;
  std::lock_guard lock(mu_);
  KeepLocked(container_dir, state, std::move(*monitor));
}

base::Result<std::shared_ptr<const JoinTarget>> RunningCache::Join(
    const std::string& container_dir, const RunningState& state,
    const std::function<base::Result<JoinTarget>()>& open) {
  std::lock_guard lock(mu_);
  auto it = known_.find(container_dir);
  bool same = it != known_.end() && it->second.state == state;
  if (same && it->second.join) {
    it->second.join_used = ++use_clock_;
    return it->second.join;
  }
  auto join = std::make_shared<const JoinTarget>(TRY(open()));
  if (same) {
    it->second.join = join;
    it->second.join_used = ++use_clock_;
    TrimJoinsLocked();
  }
  return join;
}

void RunningCache::TrimJoinsLocked() {
  for (;;) {
    size_t kept = 0;
    Known* oldest = nullptr;
    for (auto& [dir, known] : known_) {
      if (!known.join) continue;
      ++kept;
      if (!oldest || known.join_used < oldest->join_used) oldest = &known;
    }
    if (kept <= joins_kept_) return;
    oldest->join.reset();
  }
}

}  // namespace nest::runtime
