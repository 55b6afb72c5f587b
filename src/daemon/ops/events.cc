#include "daemon/ops/events.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/strings.h"
#include "daemon/http/router.h"
#include "daemon/http/websocket.h"
#include "daemon/ops/timestamp.h"

namespace nest::daemon::ops {

namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

bool EventHub::Subscription::Push(const std::string& event) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (queue_.size() >= kMaxQueued) {
    closed_ = true;
    cv_.notify_all();
    return false;
  }
  queue_.push_back(event);
  cv_.notify_one();
  return true;
}

void EventHub::Subscription::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool EventHub::Subscription::Pop(std::string* event) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (closed_) return false;
  *event = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

nlohmann::json EventHub::Subscription::Next(int timeout_ms) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return closed_ || !queue_.empty(); })) {
    return nullptr;
  }
  if (closed_ || queue_.empty()) return nullptr;
  std::string event = std::move(queue_.front());
  queue_.pop_front();
  return nlohmann::json::parse(event, nullptr, false);
}

bool EventHub::Subscription::dropped() const {
  std::lock_guard lock(mu_);
  return closed_;
}

EventHub::~EventHub() {
  std::lock_guard lock(mu_);
  for (auto& s : subs_) s->Close();
  subs_.clear();
}

bool EventHub::Wanted(const std::string& type) const {
  std::lock_guard lock(mu_);
  for (const auto& sub : subs_) {
    if (sub->types_.empty() || sub->types_.count(type) > 0) return true;
  }
  return false;
}

void EventHub::Publish(std::string type, nlohmann::json metadata) {
  if (!Wanted(type)) return;
  // Serialized by hand to keep LXD's field order.
  std::string event = "{\"type\":" + Dump(type) + ",\"timestamp\":" +
                      Dump(FormatRfc3339Nano(std::chrono::system_clock::now())) +
                      ",\"metadata\":" + Dump(metadata) + ",\"location\":\"none\"";
  if (type != "logging") event += ",\"project\":\"default\"";
  event += "}";
  std::lock_guard lock(mu_);
  for (auto it = subs_.begin(); it != subs_.end();) {
    const auto& sub = *it;
    if (!sub->types_.empty() && sub->types_.count(type) == 0) {
      ++it;
      continue;
    }
    if (!sub->Push(event)) {
      it = subs_.erase(it);
    } else {
      ++it;
    }
  }
}

void EventHub::PublishLifecycle(std::string action, std::string source, nlohmann::json context,
                                nlohmann::json requestor) {
  nlohmann::json metadata = {{"action", std::move(action)}, {"source", std::move(source)}};
  if (context.is_object() && !context.empty()) metadata["context"] = std::move(context);
  if (!requestor.is_null()) metadata["requestor"] = std::move(requestor);
  Publish("lifecycle", std::move(metadata));
}

std::shared_ptr<EventHub::Subscription> EventHub::Subscribe(std::set<std::string> types) {
  auto sub = std::make_shared<Subscription>();
  sub->types_ = std::move(types);
  std::lock_guard lock(mu_);
  subs_.push_back(sub);
  return sub;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  sub->Close();
  std::lock_guard lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), sub), subs_.end());
}

size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

void EventHub::RegisterRoutes(http::Router& router) {
  router.Add("GET", "/1.0/events", [this](http::Request& request) {
    std::set<std::string> types;
    for (const auto& t : base::Split(request.Query("type"), ',')) {
      std::string_view name = base::Trim(t);
      if (!name.empty()) types.insert(std::string(name));
    }
    return http::Response::Upgrade([this, types](http::WebSocket& ws) {
      auto sub = Subscribe(types);
      // The reader notices the client going away (or the server stopping).
      std::thread reader([&ws, sub] {
        while (ws.Read().ok()) {
        }
        sub->Close();
      });
      std::string event;
      while (sub->Pop(&event)) {
        event += '\n';
        if (!ws.WriteText(event).ok()) break;
      }
      Unsubscribe(sub);
      ws.Close();
      reader.join();
    });
  });
}

}  // namespace nest::daemon::ops
