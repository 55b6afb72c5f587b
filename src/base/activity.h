// Activity: the work in flight that a client waits for (for nestd, the
// commands running in containers), so that work no client waits for can be put
// off to a quiet moment instead of competing with it.
#pragma once

#include <chrono>
#include <mutex>

namespace nest::base {

class Activity {
 public:
  using Clock = std::chrono::steady_clock;

  // Marks one piece of work in flight for its lifetime.
  class Scope {
   public:
    explicit Scope(Activity& a) : a_(&a) { a_->Begin(); }
    ~Scope() {
      if (a_) a_->End();
    }
    Scope(Scope&& o) noexcept : a_(o.a_) { o.a_ = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;

   private:
    Activity* a_;
  };

  Scope Track() { return Scope(*this); }

  // True when nothing is in flight and nothing has ended within `quiet`
  // before `now`.
  bool QuietFor(Clock::duration quiet, Clock::time_point now = Clock::now()) const;

 private:
  void Begin();
  void End();

  mutable std::mutex mu_;
  int in_flight_ = 0;                // protected by mu_
  Clock::time_point last_end_ = {};  // protected by mu_
};

}  // namespace nest::base
