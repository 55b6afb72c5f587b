// Reverter: undo steps of a multi-step change unless success() is called.
// Register each undo right after its step succeeds; undos run newest first.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace nest::base {

class Reverter {
 public:
  Reverter() = default;
  Reverter(const Reverter&) = delete;
  Reverter& operator=(const Reverter&) = delete;
  ~Reverter() {
    if (!done_) Fail();
  }

  void Add(std::function<void()> undo) { undos_.push_back(std::move(undo)); }
  // The change is complete: forget every undo.
  void Success() {
    done_ = true;
    undos_.clear();
  }
  // Runs every undo now, newest first.
  void Fail() {
    for (auto it = undos_.rbegin(); it != undos_.rend(); ++it) (*it)();
    undos_.clear();
    done_ = true;
  }

 private:
  std::vector<std::function<void()>> undos_;
  bool done_ = false;
};

}  // namespace nest::base
