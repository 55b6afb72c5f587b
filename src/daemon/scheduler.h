// Background tasks. Each registered task runs once at start, then on every
// tick (a minute of real time) and at once when poked (a server config change,
// a container deleted); the tasks themselves decide from the daemon clock
// whether anything is due, so a tick with nothing due costs a database read
// and no network. `nest admin run-task NAME` runs one now (POST
// /internal/tasks/NAME). Runs of the same task never overlap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace nest::daemon {

class Scheduler {
 public:
  using Task = std::function<base::Result<nlohmann::json>()>;

  explicit Scheduler(std::chrono::milliseconds tick = std::chrono::minutes(1)) : tick_(tick) {}
  ~Scheduler() { Stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Before Start. description names the operation ("Cleaning up expired images").
  void Add(std::string name, std::string description, Task task);

  // Runs task `name` in the calling thread, after any run of it in progress.
  // kNotFound for an unknown name (listing the known ones).
  base::Result<nlohmann::json> Run(const std::string& name);
  std::string Description(const std::string& name) const;
  std::vector<std::string> Names() const;

  void Start();
  void Stop();
  // Wakes the background thread for a run of every task now.
  void Poke();

 private:
  struct Entry {
    std::string description;
    Task task;
    std::unique_ptr<std::mutex> running = std::make_unique<std::mutex>();
  };
  void Loop();

  std::chrono::milliseconds tick_;
  std::map<std::string, Entry> tasks_;  // constant after Start
  std::mutex mu_;
  std::condition_variable wake_;
  bool poked_ = false;     // protected by mu_
  bool stopping_ = false;  // protected by mu_
  std::thread thread_;
};

}  // namespace nest::daemon
