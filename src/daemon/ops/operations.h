// Operations: LXD's /1.0/operations — background tasks and websocket sessions.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/worker_pool.h"

namespace nest::daemon::http {
class Router;
class Response;
class WebSocket;
}  // namespace nest::daemon::http

namespace nest::daemon::ops {

class EventHub;
class OperationManager;

// LXD status codes: Pending 105 → Running 103 → Success 200 | Failure 400 | Cancelled 401.
enum class OpStatus { kPending, kRunning, kSuccess, kFailure, kCancelled };
int StatusCode(OpStatus s);
const char* StatusName(OpStatus s);  // "Pending", "Running", "Success", ...

// Thread-safety: every method may be called from any thread (state protected by mu_).
class Operation {
 public:
  using Resources = std::map<std::string, std::vector<std::string>>;
  using RunFn = std::function<base::Status(Operation&)>;
  using ConnectFn = std::function<void(const std::string& fd_name, http::WebSocket&)>;

  const std::string& id() const { return id_; }
  const std::string& cls() const { return cls_; }
  // "/1.0/operations/<id>"
  std::string url() const;

  OpStatus status() const;
  bool done() const;  // Success, Failure or Cancelled
  // The error message of a failed operation ("" otherwise).
  std::string err() const;
  nlohmann::json metadata() const;
  // The full Operation JSON, fields and order as LXD.
  nlohmann::json ToJson() const;

  // Merges the keys of `patch` (an object) into metadata (null metadata becomes
  // an object), bumps updated_at and publishes an operation event.
  void UpdateMetadata(const nlohmann::json& patch);

  // Ends the operation from inside its run function, before that returns:
  // merges `patch` into metadata, then sets Success when `result` is ok, else
  // Failure with its message (one event). Waiters are answered at once while
  // the run function tidies up; what it returns afterwards is ignored.
  void Conclude(const base::Status& result, const nlohmann::json& patch);

  // Websocket class: registers a websocket named `fd_name` ("0", "control", ...)
  // and returns its secret (64 hex chars); also sets metadata.fds[fd_name]. Call
  // before OperationManager::Start.
  std::string AddWebSocket(const std::string& fd_name);
  // fd-name → secret.
  std::map<std::string, std::string> secrets() const;
  // Called on the connecting client's thread for each GET …/websocket?secret=S that
  // matches; the socket closes when it returns.
  void SetConnectHandler(ConnectFn fn);
  // The fd name whose secret equals `secret` (constant-time compare), "" if none.
  std::string MatchSecret(const std::string& secret) const;

  // True once DELETE /1.0/operations/<id> succeeded; a run function may poll it.
  bool cancel_requested() const;

  // Blocks until done, `timeout` passes (negative → forever) or the manager shuts
  // down. True if done.
  bool WaitDone(std::chrono::milliseconds timeout) const;

 private:
  friend class OperationManager;
  Operation() = default;
  // Merges the keys of `patch` (an object) into metadata; requires mu_.
  void MergeMetadataLocked(const nlohmann::json& patch);

  // Constant after construction.
  std::string id_;
  std::string cls_;
  std::string description_;
  Resources resources_;
  std::string created_at_;
  RunFn run_;  // read and dropped by the thread that runs it (Start)
  RunFn cancel_;
  OperationManager* manager_ = nullptr;

  mutable std::mutex mu_;
  mutable std::condition_variable done_cv_;
  std::string updated_at_;                      // protected by mu_
  OpStatus status_ = OpStatus::kPending;        // protected by mu_
  nlohmann::json metadata_;                     // protected by mu_
  std::string err_;                             // protected by mu_
  bool cancel_requested_ = false;               // protected by mu_
  std::map<std::string, std::string> secrets_;  // protected by mu_
  ConnectFn connect_;                           // protected by mu_
};

// Thread-safety: all methods may be called from any thread. The manager must
// outlive the HTTP server; its destructor waits for running operation threads.
class OperationManager {
 public:
  // `events` (may be null) receives an "operation" event on every state change
  // and metadata update. Finished operations are forgotten after `keep_done`.
  explicit OperationManager(EventHub* events,
                            std::chrono::milliseconds keep_done = std::chrono::seconds(5));
  ~OperationManager();
  OperationManager(const OperationManager&) = delete;
  OperationManager& operator=(const OperationManager&) = delete;

  // A Pending operation. `cls` is "task", "websocket" or "token"; `metadata`
  // null or an object. may_cancel is true iff `cancel` is set. Publishes an event.
  std::shared_ptr<Operation> Create(std::string cls, std::string description,
                                    Operation::Resources resources, nlohmann::json metadata,
                                    Operation::RunFn run, Operation::RunFn cancel = nullptr);
  // Runs a task on some thread of the caller's choosing (RunFiltered, say).
  using Executor = std::function<void(std::function<void()>)>;
  // Sets Running (event), then calls `run` on a thread of the manager's, or
  // through `executor` when given; its result sets Success, or Failure with
  // err = the Error's message (event each). A run that throws fails with the
  // exception's message. A null run succeeds at once. Once `run` has returned
  // it is dropped, with what it holds, and so is the connect handler: a
  // finished operation keeps only its state (for `keep_done`).
  void Start(const std::shared_ptr<Operation>& op, const Executor& executor = nullptr);
  // Sets Running (event) without a thread: the operation stays Running until
  // Complete or Cancel ends it (LXD's token operations: trust tokens, image
  // secrets). Only a Pending operation is changed.
  void Hold(const std::shared_ptr<Operation>& op);
  // Ends a held operation: Success when `result` is ok, else Failure with its
  // message (event). No-op when already done.
  void Complete(Operation& op, const base::Status& result);
  // Errors: kNotFound "Operation not found".
  base::Result<std::shared_ptr<Operation>> Get(const std::string& id);
  std::vector<std::shared_ptr<Operation>> List();
  // Blocks until `op` is done. Errors: kUnavailable on timeout (negative → forever).
  base::Status WaitDone(const std::shared_ptr<Operation>& op, std::chrono::milliseconds timeout);
  // Requests cancellation: runs the cancel fn and, if it succeeds, sets Cancelled.
  // Errors: kInvalid "This operation can't be cancelled" if !may_cancel;
  // kConflict if already done; the cancel fn's error otherwise.
  base::Status Cancel(const std::shared_ptr<Operation>& op);

  // Makes every blocked /wait return its current state (call before Server::Stop,
  // so connection threads finish). Idempotent.
  void Shutdown();

  // GET /1.0/operations[?recursion=1], GET|DELETE /1.0/operations/{id},
  // GET /1.0/operations/{id}/wait[?timeout=N], GET /1.0/operations/{id}/websocket?secret=S.
  void RegisterRoutes(http::Router& router);

 private:
  friend class Operation;
  void Publish(const Operation& op);
  void Finish(Operation& op, OpStatus status, std::string err);
  // Forgets the operations finished `keep_done_` ago or more: the oldest
  // first, from done_order_, without a look at the others. Requires mu_.
  void PurgeExpired();

  EventHub* const events_;
  const std::chrono::milliseconds keep_done_;
  std::atomic<bool> shutting_down_{false};

  std::mutex mu_;
  std::condition_variable threads_cv_;
  std::map<std::string, std::shared_ptr<Operation>> ops_;  // protected by mu_
  // Finished operations by id, in the order they finished, with when.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>>
      done_order_;           // protected by mu_
  int running_threads_ = 0;  // protected by mu_
  // Last member: destroyed first (after the destructor waited for the
  // operations), so no worker outlives what it uses.
  base::WorkerPool workers_;  // one operation body per worker; workers are reused
};

// The 202 async response for `op` (after Start, as LXD shows it Running).
http::Response AsyncResponse(const Operation& op);

}  // namespace nest::daemon::ops
