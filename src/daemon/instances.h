// InstanceManager: the life of containers — create, start, stop, delete, state —
// joining the database, the image store, storage and the runtime.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/debian_image.h"
#include "daemon/context.h"
#include "db/records.h"
#include "runtime/exec.h"
#include "runtime/running_state.h"
#include "runtime/start_plan.h"
#include "storage/storage_driver.h"

namespace nest::daemon {

// Thread-safety: all methods may be called from any thread; changes to one
// instance are serialized by its own lock, so a start and a delete of the same
// instance never interleave.
class InstanceManager {
 public:
  explicit InstanceManager(Context& ctx) : ctx_(ctx) {}

  // Told what a slow step (building a builtin image) is doing, one line at a time.
  using ProgressFn = std::function<void(const std::string& line)>;

  // POST /1.0/instances body (InstancesPost). Creates the record and the storage,
  // building or finding the image first; nothing is left behind on failure.
  // With source.server set the image is pulled from that remote as a cached
  // image (progress and any warning go to `op`'s metadata when given); a
  // builtin image being built reports through `progress`.
  base::Result<db::InstanceRecord> Create(const nlohmann::json& post, ops::Operation* op = nullptr,
                                          const ProgressFn& progress = nullptr);
  // The POST body with source {type: "copy", source: "<instance>"} (Create
  // hands it here): a new instance from a stopped one, its config, devices and
  // profiles as core::PlanInstanceCopy decides (request first, the source's
  // fill the gaps, fresh volatile keys, the "copy" templates due at the first
  // start), its root a copy of the source's by the source's storage driver.
  // Errors: kInvalid (bad name, no source named, refresh asked), kNotFound
  // (no such source instance, profile), kConflict (target exists, source
  // running). Nothing is left behind on failure.
  base::Result<db::InstanceRecord> Copy(const nlohmann::json& post);
  base::Status Start(const std::string& name);
  // timeout_s < 0: the default (30 s) before the init is killed.
  base::Status Stop(const std::string& name, bool force, int timeout_s);
  base::Status Restart(const std::string& name, bool force, int timeout_s);
  // Refuses a running instance (kConflict). Removes row, storage and cgroups.
  base::Status Delete(const std::string& name);
  // Replaces the writable fields (InstancePut) after validating them.
  base::Status Update(const std::string& name, const nlohmann::json& put, bool patch);

  // Packs the stopped instance into a unified image tarball at `out_path`
  // (nest publish): its root as it sees it, container ids as owners;
  // metadata.yaml with the instance's architecture, creation_date now, the
  // source image's properties (its image.* keys) overridden by `properties`,
  // and the source image's templates. The instance cannot start meanwhile.
  // kConflict when it is running.
  base::Status Publish(const std::string& name,
                       const std::map<std::string, std::string>& properties,
                       const std::string& out_path);

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
  base::Result<std::string> ResolveImage(const nlohmann::json& source, ops::Operation* op,
                                         const ProgressFn& progress);
  // The fingerprint of builtin:<alias>, building the image on first use.
  base::Result<std::string> EnsureBuiltin(const std::string& alias, const ProgressFn& progress);
  // Makes builtin:<key> in the store: busybox when `debian` is empty; a Debian
  // image imported from $NEST_BUILTIN_CACHE when kept there, else debootstrapped
  // (and then kept there).
  base::Result<storage::StoredImage> BuildBuiltin(
      const std::string& key, const std::optional<core::DebianImageSpec>& debian,
      const ProgressFn& progress);
  base::Status StartLocked(const std::string& name);
  base::Status StopLocked(const std::string& name, bool force, int timeout_s);
  std::string CgroupFor(const std::string& name) const;
  // The storage driver the instance was created with (volatile.storage.driver).
  base::Result<std::unique_ptr<storage::StorageDriver>> DriverFor(
      const db::InstanceRecord& rec) const;
  // The image's templates for this start's trigger, rendered.
  base::Result<std::vector<runtime::PlannedFile>> RenderTemplates(const db::InstanceRecord& record,
                                                                  const db::ConfigMap& config,
                                                                  const std::string& trigger);

  // The expanded config of `name` as of database revision `revision`, when
  // kept (ExecBase reads it for every exec: two queries).
  std::optional<db::ConfigMap> KeptExecConfig(const std::string& name, int64_t revision) const;

  Context& ctx_;
  mutable runtime::RunningCache running_;
  struct KeptConfig {
    int64_t revision;
    db::ConfigMap config;
  };
  mutable std::mutex exec_configs_mu_;
  mutable std::map<std::string, KeptConfig> exec_configs_;  // protected by exec_configs_mu_
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;  // protected by mu_
  // One build at a time per builtin image (keyed by its canonical alias).
  std::map<std::string, std::unique_ptr<std::mutex>> builtin_locks_;  // protected by mu_
};

}  // namespace nest::daemon
