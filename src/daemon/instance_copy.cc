// InstanceManager::Copy: a new container from a stopped one on this server
// (POST /1.0/instances with source.type "copy", `lxc copy c1 c2`).
#include "core/instance_copy.h"

#include <mutex>

#include "base/reverter.h"
#include "core/instance_config.h"
#include "core/names.h"
#include "daemon/instances.h"
#include "sys/syscalls.h"

namespace nest::daemon {

using base::Error;
using base::Result;

Result<db::InstanceRecord> InstanceManager::Copy(const nlohmann::json& post) {
  std::string name = post.value("name", "");
  TRY(core::ValidateInstanceName(name));
  const nlohmann::json& source = post.at("source");
  std::string from = source.value("source", "");
  if (from.empty()) return Error::Invalid("a copy must name its source instance (source.source)");
  if (source.value("refresh", false)) {
    return Error::Invalid("refreshing an existing instance from a copy is not supported");
  }
  std::string type = post.value("type", "");
  if (!type.empty() && type != "container") {
    return Error::Invalid("instance type \"" + type + "\" is not supported (only container)");
  }
  core::InstanceCopyRequest request;
  db::InstanceRecord rec;
  rec.name = name;
  try {
    if (post.contains("config") && !post["config"].is_null())
      request.config = post["config"].get<db::ConfigMap>();
    if (post.contains("devices") && !post["devices"].is_null())
      request.devices = post["devices"].get<db::DeviceMap>();
    if (post.contains("profiles") && !post["profiles"].is_null())
      request.profiles = post["profiles"].get<std::vector<std::string>>();
    rec.description = post.value("description", "");
    rec.ephemeral = post.value("ephemeral", false);
  } catch (const std::exception& e) {
    return Error::Invalid(std::string("invalid instance definition: ") + e.what());
  }
  if (name == from) return Error::Conflict("instance \"" + name + "\" already exists");
  // Both names locked (std::scoped_lock orders them): the source cannot start,
  // change or go, and nothing else can take the target name meanwhile.
  std::scoped_lock lock(LockFor(from), LockFor(name));
  auto src = ctx_.db->GetInstance(from);
  if (!src) {
    if (src.error().kind() == base::ErrorKind::kNotFound) {
      return Error::NotFound("source instance \"" + from + "\" not found");
    }
    return std::move(src).error();
  }
  if (ctx_.db->GetInstance(name))
    return Error::Conflict("instance \"" + name + "\" already exists");
  // A running container's root changes under the copy (and overlayfs leaves
  // its upper directory undefined to outside readers while mounted): only a
  // stopped one is copied.
  if (Running(from)) {
    return Error::Conflict("cannot copy instance \"" + from +
                           "\": it is running (stop it first; nest copies only stopped "
                           "instances, whose root cannot change during the copy)");
  }
  core::InstanceCopyPlan plan =
      core::PlanInstanceCopy({src->config, src->devices, src->profiles}, request);
  rec.config = std::move(plan.config);
  rec.devices = std::move(plan.devices);
  rec.profiles = std::move(plan.profiles);
  rec.architecture = src->architecture;
  rec.image_fingerprint = src->image_fingerprint;
  TRY(core::ValidateInstanceConfig(rec.config));
  for (const auto& p : rec.profiles) {
    if (!ctx_.db->GetProfile(p)) return Error::NotFound("profile \"" + p + "\" not found");
  }
  // The image stays while the copy is made (the collector takes this exclusively).
  std::shared_lock image_use(ctx_.image_use_mu);
  auto driver = TRY(DriverFor(*src));
  std::string image_rootfs = ctx_.images->RootfsPath(rec.image_fingerprint);
  rec.created_at = ctx_.clock.Now();

  base::Reverter revert;
  std::string dir = ctx_.paths.Container(name);
  TRY_CTX(driver->Copy(ctx_.paths.Container(from), dir, image_rootfs),
          "copying the " + std::string(driver->Name()) + " storage of \"" + from + "\" to \"" +
              name + "\"");
  revert.Add([&driver, dir] { (void)driver->Delete(dir); });
  rec.id = TRY(ctx_.db->CreateInstance(rec));
  revert.Add([this, name] { (void)ctx_.db->DeleteInstance(name); });
  (void)ctx_.db->TouchImage(rec.image_fingerprint, rec.created_at);
  revert.Success();
  ctx_.events->PublishLifecycle("instance-created", "/1.0/instances/" + name);
  return rec;
}

}  // namespace nest::daemon
