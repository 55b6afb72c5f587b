// WorkerPool: runs each task at once on a thread of its own, reusing idle
// threads instead of starting one per task. On this VM a thread start, with the
// page faults of its stack and malloc arena, costs ~0.2 ms; nestd runs one task
// per connection and one per operation. A task may block as long as it likes
// (a websocket, a long operation): a task never waits for a free worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace nest::base {

class WorkerPool {
 public:
  // At most `max_idle` threads wait for work; an idle thread exits after
  // `idle_exit` without any.
  explicit WorkerPool(int max_idle = 4,
                      std::chrono::milliseconds idle_exit = std::chrono::seconds(30))
      : max_idle_(max_idle), idle_exit_(idle_exit) {}
  ~WorkerPool();  // waits for every running task to return
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on an idle worker, or on a new thread when none waits.
  void Submit(std::function<void()> task);

  // Threads alive (running a task or idle), and those idle; for tests.
  int threads() const;
  int idle() const;

 private:
  void Worker();

  const int max_idle_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;           // a task was queued, or the pool closes
  std::condition_variable exit_cv_;           // a worker exited
  std::deque<std::function<void()>> queued_;  // protected by mu_
  int waiting_ = 0;                           // protected by mu_; idle workers
  int threads_ = 0;                           // protected by mu_
  bool closing_ = false;                      // protected by mu_
};

}  // namespace nest::base
