#include "base/worker_pool.h"

#include <thread>

namespace nest::base {

WorkerPool::~WorkerPool() {
  std::unique_lock lock(mu_);
  closing_ = true;
  work_cv_.notify_all();
  exit_cv_.wait(lock, [this] { return threads_ == 0; });
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(task));
    // Each queued task has a waiting worker of its own, or gets a new thread.
    if (static_cast<int>(queued_.size()) <= waiting_) {
      work_cv_.notify_one();
      return;
    }
    ++threads_;
  }
  std::thread([this] { Worker(); }).detach();
}

int WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

int WorkerPool::idle() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

void WorkerPool::Worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++waiting_;
    work_cv_.wait_for(lock, idle_exit_, [this] { return !queued_.empty() || closing_; });
    --waiting_;
    if (queued_.empty()) break;  // idle too long, or closing with nothing queued
    std::function<void()> task = std::move(queued_.front());
    queued_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // its captures go before the next wait
    lock.lock();
    if (!closing_ && waiting_ >= max_idle_) break;
  }
  --threads_;
  exit_cv_.notify_all();
}

}  // namespace nest::base
