#include "daemon/ops/operations.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "daemon/http/router.h"
#include "daemon/http/websocket.h"
#include "daemon/ops/events.h"
#include "daemon/ops/timestamp.h"

namespace nest::daemon::ops {

using base::Error;
using base::Status;

namespace {

std::string Now() { return FormatRfc3339Nano(std::chrono::system_clock::now()); }

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool IsDone(OpStatus s) {
  return s == OpStatus::kSuccess || s == OpStatus::kFailure || s == OpStatus::kCancelled;
}

}  // namespace

int StatusCode(OpStatus s) {
  switch (s) {
    case OpStatus::kPending:
      return 105;
    case OpStatus::kRunning:
      return 103;
    case OpStatus::kSuccess:
      return 200;
    case OpStatus::kFailure:
      return 400;
    case OpStatus::kCancelled:
      return 401;
  }
  return 400;
}

const char* StatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kPending:
      return "Pending";
    case OpStatus::kRunning:
      return "Running";
    case OpStatus::kSuccess:
      return "Success";
    case OpStatus::kFailure:
      return "Failure";
    case OpStatus::kCancelled:
      return "Cancelled";
  }
  return "Unknown";
}

// ---- Operation ----

std::string Operation::url() const { return "/1.0/operations/" + id_; }

OpStatus Operation::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool Operation::done() const {
  std::lock_guard lock(mu_);
  return IsDone(status_);
}

std::string Operation::err() const {
  std::lock_guard lock(mu_);
  return err_;
}

nlohmann::json Operation::metadata() const {
  std::lock_guard lock(mu_);
  return metadata_;
}

nlohmann::json Operation::ToJson() const {
  nlohmann::json resources = nullptr;
  if (!resources_.empty()) {
    resources = nlohmann::json::object();
    for (const auto& [k, v] : resources_) resources[k] = v;
  }
  std::lock_guard lock(mu_);
  return {{"id", id_},
          {"class", cls_},
          {"description", description_},
          {"created_at", created_at_},
          {"updated_at", updated_at_},
          {"status", StatusName(status_)},
          {"status_code", StatusCode(status_)},
          {"resources", resources},
          {"metadata", metadata_},
          {"may_cancel", static_cast<bool>(cancel_)},
          {"err", err_},
          {"location", "none"}};
}

void Operation::MergeMetadataLocked(const nlohmann::json& patch) {
  if (!metadata_.is_object()) metadata_ = nlohmann::json::object();
  if (patch.is_object()) {
    for (const auto& [k, v] : patch.items()) metadata_[k] = v;
  }
}

void Operation::UpdateMetadata(const nlohmann::json& patch) {
  {
    std::lock_guard lock(mu_);
    MergeMetadataLocked(patch);
    updated_at_ = Now();
  }
  if (manager_ != nullptr) manager_->Publish(*this);
}

void Operation::Conclude(const base::Status& result, const nlohmann::json& patch) {
  {
    std::lock_guard lock(mu_);
    MergeMetadataLocked(patch);  // Complete bumps updated_at and publishes
  }
  if (manager_ != nullptr) manager_->Complete(*this, result);
}

std::string Operation::AddWebSocket(const std::string& fd_name) {
  std::string secret = RandomHex(32);
  std::lock_guard lock(mu_);
  secrets_[fd_name] = secret;
  if (!metadata_.is_object()) metadata_ = nlohmann::json::object();
  metadata_["fds"][fd_name] = secret;
  return secret;
}

std::map<std::string, std::string> Operation::secrets() const {
  std::lock_guard lock(mu_);
  return secrets_;
}

void Operation::SetConnectHandler(ConnectFn fn) {
  std::lock_guard lock(mu_);
  connect_ = std::move(fn);
}

std::string Operation::MatchSecret(const std::string& secret) const {
  std::lock_guard lock(mu_);
  std::string found;
  for (const auto& [name, s] : secrets_) {
    if (ConstantTimeEquals(s, secret)) found = name;
  }
  return found;
}

bool Operation::cancel_requested() const {
  std::lock_guard lock(mu_);
  return cancel_requested_;
}

bool Operation::WaitDone(std::chrono::milliseconds timeout) const {
  // Waits in slices so a manager shutdown is noticed.
  constexpr auto kSlice = std::chrono::milliseconds(200);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    if (IsDone(status_)) return true;
    if (manager_ != nullptr && manager_->shutting_down_) return false;
    auto slice = kSlice;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      slice = std::min(slice, left);
    }
    done_cv_.wait_for(lock, slice);
  }
}

// ---- OperationManager ----

OperationManager::OperationManager(EventHub* events, std::chrono::milliseconds keep_done)
    : events_(events), keep_done_(keep_done) {}

OperationManager::~OperationManager() {
  Shutdown();
  std::unique_lock lock(mu_);
  threads_cv_.wait(lock, [&] { return running_threads_ == 0; });
}

void OperationManager::Shutdown() { shutting_down_ = true; }

void OperationManager::Publish(const Operation& op) {
  if (events_ != nullptr && events_->Wanted("operation"))
    events_->Publish("operation", op.ToJson());
}

std::shared_ptr<Operation> OperationManager::Create(std::string cls, std::string description,
                                                    Operation::Resources resources,
                                                    nlohmann::json metadata, Operation::RunFn run,
                                                    Operation::RunFn cancel) {
  auto op = std::shared_ptr<Operation>(new Operation());
  op->id_ = NewUuid();
  op->cls_ = std::move(cls);
  op->description_ = std::move(description);
  op->resources_ = std::move(resources);
  op->created_at_ = Now();
  op->updated_at_ = op->created_at_;
  op->metadata_ = std::move(metadata);
  op->run_ = std::move(run);
  op->cancel_ = std::move(cancel);
  op->manager_ = this;
  {
    std::lock_guard lock(mu_);
    PurgeExpired();
    ops_[op->id_] = op;
  }
  Publish(*op);
  return op;
}

void OperationManager::Start(const std::shared_ptr<Operation>& op, const Executor& executor) {
  {
    std::lock_guard lock(op->mu_);
    if (op->status_ != OpStatus::kPending) return;
    op->status_ = OpStatus::kRunning;
    op->updated_at_ = Now();
  }
  Publish(*op);
  {
    std::lock_guard lock(mu_);
    ++running_threads_;
  }
  auto task = [this, op] {
    Status result;
    try {
      if (op->run_) result = op->run_(*op);
    } catch (const std::exception& e) {
      result = Error::Internal(e.what());
    } catch (...) {
      result = Error::Internal("operation threw");
    }
    // What the body holds (an exec's pipes, pidfd and session) goes now, not
    // when the finished operation is forgotten.
    op->run_ = nullptr;
    Operation::ConnectFn connect;
    {
      std::lock_guard lock(op->mu_);
      connect.swap(op->connect_);
    }
    connect = nullptr;
    if (result.ok()) {
      Finish(*op, OpStatus::kSuccess, "");
    } else {
      Finish(*op, OpStatus::kFailure, result.error().message());
    }
    std::lock_guard lock(mu_);
    --running_threads_;
    threads_cv_.notify_all();
  };
  if (executor) {
    executor(std::move(task));
  } else {
    workers_.Submit(std::move(task));
  }
}

void OperationManager::Hold(const std::shared_ptr<Operation>& op) {
  {
    std::lock_guard lock(op->mu_);
    if (op->status_ != OpStatus::kPending) return;
    op->status_ = OpStatus::kRunning;
  }
  Publish(*op);
}

void OperationManager::Complete(Operation& op, const base::Status& result) {
  if (result.ok()) {
    Finish(op, OpStatus::kSuccess, "");
  } else {
    Finish(op, OpStatus::kFailure, result.error().message());
  }
}

void OperationManager::Finish(Operation& op, OpStatus status, std::string err) {
  {
    std::lock_guard lock(op.mu_);
    if (IsDone(op.status_)) return;
    op.status_ = status;
    op.updated_at_ = Now();
    op.err_ = std::move(err);
    op.done_cv_.notify_all();
  }
  {
    std::lock_guard lock(mu_);
    done_order_.emplace_back(std::chrono::steady_clock::now(), op.id_);
  }
  Publish(op);
}

void OperationManager::PurgeExpired() {
  auto now = std::chrono::steady_clock::now();
  while (!done_order_.empty() && now - done_order_.front().first >= keep_done_) {
    ops_.erase(done_order_.front().second);
    done_order_.pop_front();
  }
}

base::Result<std::shared_ptr<Operation>> OperationManager::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  PurgeExpired();
  auto it = ops_.find(id);
  if (it == ops_.end()) return Error::NotFound("Operation not found");
  return it->second;
}

std::vector<std::shared_ptr<Operation>> OperationManager::List() {
  std::lock_guard lock(mu_);
  PurgeExpired();
  std::vector<std::shared_ptr<Operation>> out;
  for (const auto& [id, op] : ops_) out.push_back(op);
  return out;
}

Status OperationManager::WaitDone(const std::shared_ptr<Operation>& op,
                                  std::chrono::milliseconds timeout) {
  if (!op->WaitDone(timeout)) {
    return Error::Unavailable("timed out waiting for operation " + op->id());
  }
  return base::Ok();
}

Status OperationManager::Cancel(const std::shared_ptr<Operation>& op) {
  if (!op->cancel_) return Error::Invalid("This operation can't be cancelled");
  if (op->done()) return Error::Conflict("Operation is already finished");
  {
    std::lock_guard lock(op->mu_);
    op->cancel_requested_ = true;
  }
  Status st = op->cancel_(*op);
  if (!st.ok()) {
    Error e = std::move(st).error();
    e.Context("cancelling operation " + op->id());
    return e;
  }
  Finish(*op, OpStatus::kCancelled, "");
  return base::Ok();
}

void OperationManager::RegisterRoutes(http::Router& router) {
  using http::Request;
  using http::Response;
  router.Add("GET", "/1.0/operations", [this](Request& r) {
    bool recursive = r.Query("recursion") == "1" || r.Query("recursion") == "2";
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& op : List()) {
      std::string key = StatusName(op->status());
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      groups[key].push_back(recursive ? op->ToJson() : nlohmann::json(op->url()));
    }
    return Response::Sync(std::move(groups));
  });
  router.Add("GET", "/1.0/operations/{id}", [this](Request& r) {
    auto op = Get(r.params["id"]);
    if (!op.ok()) return Response::Error(op.error());
    return Response::Sync((*op)->ToJson());
  });
  router.Add("DELETE", "/1.0/operations/{id}", [this](Request& r) {
    auto op = Get(r.params["id"]);
    if (!op.ok()) return Response::Error(op.error());
    Status st = Cancel(*op);
    if (!st.ok()) return Response::Error(st.error());
    return Response::EmptySync();
  });
  router.Add("GET", "/1.0/operations/{id}/wait", [this](Request& r) {
    auto op = Get(r.params["id"]);
    if (!op.ok()) return Response::Error(op.error());
    long long timeout = -1;
    std::string t = r.Query("timeout");
    if (!t.empty() && !base::ParseInt64(t, &timeout)) {
      return Response::Error(Error::Invalid("Invalid timeout value: " + t));
    }
    (void)(*op)->WaitDone(timeout < 0 ? std::chrono::milliseconds(-1)
                                      : std::chrono::milliseconds(timeout * 1000));
    return Response::Sync((*op)->ToJson());
  });
  // Public as in LXD: the secret is the authorization, so an untrusted client
  // given one (a peer pulling an image, say) may connect.
  router.Add(
      "GET", "/1.0/operations/{id}/websocket",
      [this](Request& r) {
        auto found = Get(r.params["id"]);
        if (!found.ok()) return Response::Error(found.error());
        std::shared_ptr<Operation> op = *found;
        std::string fd_name = op->MatchSecret(r.Query("secret"));
        if (fd_name.empty()) {
          return Response::Error({base::ErrorKind::kForbidden, "Invalid websocket secret"});
        }
        Operation::ConnectFn connect;
        bool done;
        {
          std::lock_guard lock(op->mu_);
          connect = op->connect_;
          done = IsDone(op->status_);
        }
        if (done) {  // LXD's words
          return Response::Error(Error::Internal("Only running operations can be connected"));
        }
        if (!connect) {
          return Response::Error(
              Error::Internal("operation " + op->id() + " accepts no websockets"));
        }
        return Response::Upgrade(
            [op, fd_name, connect](http::WebSocket& ws) { connect(fd_name, ws); });
      },
      http::Access::kPublic);
}

http::Response AsyncResponse(const Operation& op) {
  return http::Response::Async(op.ToJson(), op.url());
}

}  // namespace nest::daemon::ops
