// InstanceManager: the life of containers — create, start, stop, delete, state —
// joining the database, the image store, storage and the runtime.
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "daemon/context.h"
#include "db/records.h"
#include "runtime/exec.h"
#include "runtime/running_state.h"
#include "runtime/start_plan.h"

namespace nest::daemon {

// Thread-safety: all methods may be called from any thread; changes to one
// instance are serialized by its own lock, so a start and a delete of the same
// instance never interleave.
class InstanceManager {
 public:
  explicit InstanceManager(Context& ctx) : ctx_(ctx) {}

  // POST /1.0/instances body (InstancesPost). Creates the record and the storage,
  // building or finding the image first; nothing is left behind on failure.
  // With source.server set the image is pulled from that remote as a cached
  // image (progress and any warning go to `op`'s metadata when given).
  base::Result<db::InstanceRecord> Create(const nlohmann::json& post, ops::Operation* op = nullptr);
  base::Status Start(const std::string& name);
  // timeout_s < 0: the default (30 s) before the init is killed.
  base::Status Stop(const std::string& name, bool force, int timeout_s);
  base::Status Restart(const std::string& name, bool force, int timeout_s);
  // Refuses a running instance (kConflict). Removes row, storage and cgroups.
  base::Status Delete(const std::string& name);
  // Replaces the writable fields (InstancePut) after validating them.
  base::Status Update(const std::string& name, const nlohmann::json& put, bool patch);

  std::optional<runtime::RunningState> Running(const std::string& name) const;
  // The Instance JSON as LXD returns it; with_state adds "state" (InstanceFull).
  nlohmann::json InstanceJson(const db::InstanceRecord& record, bool with_state) const;
  nlohmann::json StateJson(const std::string& name) const;
  // What an exec in this instance needs; kConflict when it is not running.
  base::Result<runtime::ExecSpec> ExecBase(const std::string& name) const;
  // Expanded config (profiles then the instance's own keys).
  base::Result<db::ConfigMap> ExpandedConfig(const db::InstanceRecord& record) const;

 private:
  std::mutex& LockFor(const std::string& name);
  base::Result<std::string> ResolveImage(const nlohmann::json& source, ops::Operation* op);
  base::Result<std::string> EnsureBuiltin(const std::string& alias);
  base::Status StartLocked(const std::string& name);
  base::Status StopLocked(const std::string& name, bool force, int timeout_s);
  std::string CgroupFor(const std::string& name) const;
  // The image's templates for this start's trigger, rendered.
  base::Result<std::vector<runtime::PlannedFile>> RenderTemplates(const db::InstanceRecord& record,
                                                                  const db::ConfigMap& config,
                                                                  const std::string& trigger);

  Context& ctx_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;  // protected by mu_
  std::mutex builtin_mu_;                                     // one builtin image build at a time
};

}  // namespace nest::daemon
