#include "daemon/scheduler.h"

#include "base/log.h"
#include "base/strings.h"

namespace nest::daemon {

void Scheduler::Add(std::string name, std::string description, Task task) {
  tasks_[std::move(name)] = Entry{std::move(description), std::move(task)};
}

std::vector<std::string> Scheduler::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : tasks_) names.push_back(name);
  return names;
}

std::string Scheduler::Description(const std::string& name) const {
  auto it = tasks_.find(name);
  return it == tasks_.end() ? "" : it->second.description;
}

base::Result<nlohmann::json> Scheduler::Run(const std::string& name) {
  auto it = tasks_.find(name);
  if (it == tasks_.end()) {
    return base::Error::NotFound("unknown task \"" + name +
                                 "\" (tasks: " + base::Join(Names(), ", ") + ")");
  }
  std::lock_guard running(*it->second.running);
  return it->second.task();
}

void Scheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

void Scheduler::Loop() {
  for (;;) {
    for (const auto& [name, _] : tasks_) {
      if (auto r = Run(name); !r) base::LogWarn("task " + name + ": " + r.error().message());
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, tick_, [this] { return poked_ || stopping_; });
    if (stopping_) return;
    poked_ = false;
  }
}

}  // namespace nest::daemon
