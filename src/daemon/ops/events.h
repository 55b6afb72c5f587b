// EventHub: /1.0/events. Fan-out of events to websocket subscribers.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace nest::daemon::http {
class Router;
}

namespace nest::daemon::ops {

// Thread-safety: all methods may be called from any thread. Publish never blocks
// on a subscriber: each subscriber has a bounded queue drained by its own
// connection thread; a subscriber whose queue is full is dropped (its socket is
// closed, the client reconnects).
class EventHub {
 public:
  // Queue bound per subscriber.
  static constexpr size_t kMaxQueued = 1024;

  EventHub() = default;
  ~EventHub();  // Closes every subscriber.
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Sends {"type":type,"timestamp":now,"metadata":metadata,"location":"none",
  // "project":"default"} (no "project" for type "logging", as LXD) to every
  // subscriber of `type` ("operation", "lifecycle", "logging").
  void Publish(std::string type, nlohmann::json metadata);
  // Whether an event of `type` would reach anyone: publishers check it before
  // building costly metadata (an operation's JSON, at each state change).
  bool Wanted(const std::string& type) const;

  // A lifecycle event: metadata {"action":action,"source":source} plus "context"
  // when `context` is a non-empty object and "requestor" when non-null
  // (e.g. {"username":"root","protocol":"unix","address":"@"}).
  void PublishLifecycle(std::string action, std::string source, nlohmann::json context = {},
                        nlohmann::json requestor = nullptr);

  // GET /1.0/events?type=a,b (websocket; no type → all). A plain GET without
  // upgrade → 400 "Bad Request" (text/plain) as LXD. Each event is one text frame:
  // the JSON followed by "\n". The hub must outlive the HTTP server.
  void RegisterRoutes(http::Router& router);

  // In-process subscription (tests, internal listeners). Types empty → all.
  class Subscription {
   public:
    // Blocks up to `timeout_ms` for the next event; null json on timeout or when
    // the subscription was dropped/closed.
    nlohmann::json Next(int timeout_ms);
    bool dropped() const;

   private:
    friend class EventHub;
    // False (and the subscription becomes closed) when the queue is full.
    bool Push(const std::string& event);
    void Close();
    // Blocks until an event or close; false once closed.
    bool Pop(std::string* event);

    std::set<std::string> types_;  // constant after construction
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;  // protected by mu_; serialized events
    bool closed_ = false;            // protected by mu_
  };
  std::shared_ptr<Subscription> Subscribe(std::set<std::string> types);
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  size_t subscriber_count() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;  // protected by mu_
};

}  // namespace nest::daemon::ops
