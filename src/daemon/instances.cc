#include "daemon/instances.h"

#include <signal.h>

#include <algorithm>

#include "base/log.h"
#include "base/reverter.h"
#include "base/strings.h"
#include "core/config_bool.h"
#include "core/debian_image.h"
#include "core/idmap.h"
#include "core/image_metadata.h"
#include "core/instance_config.h"
#include "core/names.h"
#include "core/server_config.h"
#include "core/template.h"
#include "core/time_format.h"
#include "daemon/image_download.h"
#include "daemon/scheduler.h"
#include "runtime/launcher.h"
#include "runtime/seccomp.h"
#include "storage/builtin_cache.h"
#include "storage/builtin_debian.h"
#include "storage/image_import.h"
#include "storage/storage_driver.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using base::Error;
using base::Result;
using base::Status;

constexpr int kDefaultStopTimeoutS = 30;
constexpr const char* kDriverKey = "volatile.storage.driver";

std::string InstanceUrl(const std::string& name) { return "/1.0/instances/" + name; }

// The seccomp policy of a container's processes, init and exec'd alike: none
// when privileged, as in LXD.
Result<const std::vector<sock_filter>*> SeccompFor(bool privileged) {
  if (privileged) return nullptr;
  const auto& program = runtime::DefaultSeccompProgram();
  if (!program.ok()) return program.error();
  return &program.value();
}

}  // namespace

std::mutex& InstanceManager::LockFor(const std::string& name) {
  std::lock_guard lock(mu_);
  auto& m = locks_[name];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

Result<std::unique_ptr<storage::StorageDriver>> InstanceManager::DriverFor(
    const db::InstanceRecord& rec) const {
  // Containers made before drivers were recorded are overlay containers.
  auto it = rec.config.find(kDriverKey);
  std::string name =
      it == rec.config.end() ? std::string(storage::kDefaultStorageDriver) : it->second;
  return TRY_CTX(storage::MakeStorageDriver(name), "instance \"" + rec.name + "\"");
}

std::string InstanceManager::CgroupFor(const std::string& name) const {
  return ctx_.cgroup_prefix + "/" + name;
}

std::optional<runtime::RunningState> InstanceManager::Running(const std::string& name) const {
  return running_.Find(ctx_.paths.Container(name));
}

Result<std::string> InstanceManager::EnsureBuiltin(const std::string& alias,
                                                   const ProgressFn& progress) {
  std::optional<core::DebianImageSpec> debian;
  std::string key = alias;
  if (base::StartsWith(alias, "debian/")) {
    debian = TRY_CTX(core::ParseDebianAlias(alias.substr(7)), "builtin:" + alias);
    key = core::DebianCanonicalAlias(*debian);
  } else if (alias != "busybox") {
    std::vector<std::string> releases;
    for (const auto& r : core::KnownDebianReleases()) releases.push_back(r.codename);
    return Error::NotFound("builtin image \"" + alias +
                           "\" is not available (builtin images: busybox, debian/<release> with "
                           "<release> one of " +
                           base::Join(releases, ", ") + ", optionally +<package>,<package>...)");
  }
  std::mutex* build_mu = nullptr;
  {
    std::lock_guard lock(mu_);
    auto& m = builtin_locks_[key];
    if (!m) m = std::make_unique<std::mutex>();
    build_mu = m.get();
  }
  std::lock_guard lock(*build_mu);
  auto images = TRY(ctx_.db->ListImages());
  for (const auto& img : images) {
    if (img.update_source.protocol == "builtin" && img.update_source.alias == key &&
        ctx_.images->Has(img.fingerprint)) {
      return img.fingerprint;
    }
  }
  storage::StoredImage built = TRY(BuildBuiltin(key, debian, progress));
  if (ctx_.db->GetImage(built.fingerprint)) return built.fingerprint;
  auto config = TRY(ctx_.db->GetConfig());
  db::ImageRecord rec;
  rec.fingerprint = built.fingerprint;
  rec.filename = built.filename;
  rec.size = built.size;
  rec.architecture = built.architecture;
  rec.created_at = built.created_at * 1000000000LL;
  rec.uploaded_at = ctx_.clock.Now();
  rec.last_used_at = rec.uploaded_at;
  rec.cached = true;
  rec.auto_update = core::GetBool(config, "images.auto_update_cached");
  rec.properties = built.properties;
  rec.update_source = {"builtin", "builtin", key, ""};
  if (auto created = ctx_.db->CreateImage(rec); !created) {
    (void)storage::RemoveImageFiles(ctx_.paths.Images(), built.fingerprint);
    return std::move(created).error();
  }
  return built.fingerprint;
}

Result<storage::StoredImage> InstanceManager::BuildBuiltin(
    const std::string& key, const std::optional<core::DebianImageSpec>& debian,
    const ProgressFn& progress) {
  if (!debian) {
    return TRY_CTX(ctx_.images->BuildBusybox(ctx_.busybox_path, ctx_.architecture),
                   "building builtin:busybox");
  }
  if (auto cached = storage::FindInBuiltinCache(ctx_.builtin_cache, key)) {
    if (progress) progress("importing builtin:" + key + " from " + *cached);
    auto imported = storage::ImportImage(ctx_.paths.Images(), {*cached, "", false}, {});
    if (imported) return imported->stored;
    base::LogWarn("ignoring " + *cached + ": " + imported.error().message());
  }
  storage::DebianBuild build;
  build.spec = *debian;
  build.kernel_arch = ctx_.architecture;
  build.deb_cache = ctx_.paths.DebCache();
  build.mirror =
      TRY_CTX(storage::FindDebianMirror(ctx_.apt_dir, debian->release), "building builtin:" + key);
  base::LogInfo("building builtin:" + key + " from " + build.mirror);
  auto built =
      TRY_CTX(storage::BuildDebianImage(*ctx_.images, build, progress), "building builtin:" + key);
  if (!ctx_.builtin_cache.empty()) {
    auto saved = storage::SaveToBuiltinCache(ctx_.builtin_cache, key,
                                             ctx_.images->FilePath(built.fingerprint));
    if (!saved) base::LogWarn("caching builtin:" + key + ": " + saved.error().message());
  }
  return built;
}

Result<std::string> InstanceManager::ResolveImage(const nlohmann::json& source, ops::Operation* op,
                                                  const ProgressFn& progress) {
  std::string type = source.value("type", "");
  if (type != "image") {
    return Error::Invalid("unsupported instance source type \"" + type +
                          "\" (supported: image, copy)");
  }
  std::string protocol = source.value("protocol", "");
  std::string alias = source.value("alias", "");
  std::string fingerprint = source.value("fingerprint", "");
  if (protocol == "builtin") return EnsureBuiltin(alias, progress);
  if (!source.value("server", "").empty()) {
    std::string secret = source.value("secret", "");
    RemoteImageRequest req{source.value("server", ""),
                           protocol.empty() ? "lxd" : protocol,
                           alias,
                           alias.empty() || !secret.empty() ? fingerprint : "",
                           source.value("certificate", ""),
                           secret};
    PullOptions options;
    options.cached = true;
    PulledImage pulled = TRY(PullRemoteImage(ctx_, req, options, op));
    return pulled.fingerprint;
  }
  if (!protocol.empty()) {
    return Error::Invalid("source protocol \"" + protocol + "\" needs a source server");
  }
  if (!alias.empty()) {
    auto a = ctx_.db->GetAlias(alias);
    if (!a) return Error::NotFound("image \"" + alias + "\" not found: no such alias");
    return a->fingerprint;
  }
  if (!fingerprint.empty()) {
    auto img = ctx_.db->GetImageByPrefix(fingerprint);
    if (!img) return Error::NotFound("image \"" + fingerprint + "\" not found");
    return img->fingerprint;
  }
  return Error::Invalid("the image source names neither an alias nor a fingerprint");
}

Result<db::InstanceRecord> InstanceManager::Create(const nlohmann::json& post, ops::Operation* op,
                                                   const ProgressFn& progress) {
  if (post.contains("source") && post["source"].is_object() &&
      post["source"].value("type", "") == "copy") {
    return Copy(post);
  }
  std::string name = post.value("name", "");
  TRY(core::ValidateInstanceName(name));
  std::string type = post.value("type", "container");
  if (type != "container" && !type.empty()) {
    return Error::Invalid("instance type \"" + type + "\" is not supported (only container)");
  }
  db::InstanceRecord rec;
  rec.name = name;
  rec.description = post.value("description", "");
  rec.ephemeral = post.value("ephemeral", false);
  try {
    if (post.contains("config") && !post["config"].is_null())
      rec.config = post["config"].get<db::ConfigMap>();
    if (post.contains("devices") && !post["devices"].is_null())
      rec.devices = post["devices"].get<db::DeviceMap>();
    if (post.contains("profiles") && !post["profiles"].is_null())
      rec.profiles = post["profiles"].get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Error::Invalid(std::string("invalid instance definition: ") + e.what());
  }
  TRY(core::ValidateInstanceConfig(rec.config));
  for (const auto& p : rec.profiles) {
    if (!ctx_.db->GetProfile(p)) return Error::NotFound("profile \"" + p + "\" not found");
  }
  std::lock_guard lock(LockFor(name));
  if (ctx_.db->GetInstance(name)) {
    return Error::Conflict("instance \"" + name + "\" already exists");
  }
  std::string fp = TRY(ResolveImage(post.value("source", nlohmann::json::object()), op, progress));
  std::shared_lock image_use(ctx_.image_use_mu);
  auto image = TRY(ctx_.db->GetImage(fp));
  rec.architecture = image.architecture;
  rec.image_fingerprint = fp;
  for (const auto& [k, v] : image.properties) rec.config["image." + k] = v;
  rec.config["volatile.base_image"] = fp;
  rec.config["volatile.apply_template"] = "create";  // applied at the first start, as LXD
  rec.created_at = ctx_.clock.Now();
  // The server's driver now; the container keeps it when the key changes later.
  auto server_config = TRY(ctx_.db->GetConfig());
  rec.config[kDriverKey] = core::Effective(server_config)["storage.driver"];
  auto driver = TRY(DriverFor(rec));
  std::string image_rootfs = ctx_.images->RootfsPath(fp);
  if (!sys::Exists(image_rootfs)) {
    return Error::NotFound("image " + fp.substr(0, 12) + " is missing from the store (" +
                           image_rootfs + ")");
  }

  base::Reverter revert;
  std::string dir = ctx_.paths.Container(name);
  TRY_CTX(driver->Create(dir, image_rootfs),
          "creating the " + std::string(driver->Name()) + " storage of \"" + name + "\"");
  revert.Add([&driver, dir] { (void)driver->Delete(dir); });
  rec.id = TRY(ctx_.db->CreateInstance(rec));
  revert.Add([this, name] { (void)ctx_.db->DeleteInstance(name); });
  (void)ctx_.db->TouchImage(fp, rec.created_at);
  revert.Success();
  ctx_.events->PublishLifecycle("instance-created", InstanceUrl(name));
  return rec;
}

Result<db::ConfigMap> InstanceManager::ExpandedConfig(const db::InstanceRecord& rec) const {
  std::vector<core::InstanceConfig> profiles;
  for (const auto& p : rec.profiles) {
    auto prof = ctx_.db->GetProfile(p);
    if (prof) profiles.push_back(prof->config);
  }
  return core::ExpandConfig(profiles, rec.config);
}

Status InstanceManager::Start(const std::string& name) {
  std::lock_guard lock(LockFor(name));
  return StartLocked(name);
}

Status InstanceManager::StartLocked(const std::string& name) {
  auto rec = TRY(ctx_.db->GetInstance(name));
  if (Running(name)) return Error::Conflict("instance \"" + name + "\" is already running");
  auto config = TRY(ExpandedConfig(rec));
  runtime::StartPlan plan;
  plan.name = name;
  plan.container_dir = ctx_.paths.Container(name);
  plan.image_rootfs = ctx_.images->RootfsPath(rec.image_fingerprint);
  auto driver = TRY(DriverFor(rec));
  plan.privileged = core::IsTrue(config["security.privileged"]);
  plan.nesting = core::IsTrue(config["security.nesting"]);
  if (const auto* seccomp = TRY(SeccompFor(plan.privileged))) plan.seccomp = *seccomp;
  core::Idmap disk_map;  // privileged: container ids are host ids
  if (!plan.privileged) {
    auto subuid = sys::ReadFile(ctx_.subuid_file);
    auto subgid = sys::ReadFile(ctx_.subgid_file);
    auto map = core::HostIdmap(subuid ? *subuid : "", ctx_.subuid_file, subgid ? *subgid : "",
                               ctx_.subgid_file, "root", 0);
    if (!map) {
      auto e = std::move(map).error();
      e.Context("cannot start unprivileged container \"" + name + "\"");
      return e;
    }
    plan.uid = {map->uid.host_base, map->uid.size};
    plan.gid = {map->gid.host_base, map->gid.size};
    disk_map = *map;
  }
  storage::RootfsMount mount = TRY_CTX(driver->PrepareStart(plan.container_dir, disk_map),
                                       "preparing the root of \"" + name + "\"");
  plan.rootfs_mount =
      mount == storage::RootfsMount::kBind ? runtime::kBindRootfs : runtime::kOverlayRootfs;
  if (!plan.BindRootfs() && !sys::Exists(plan.image_rootfs)) {
    return Error::NotFound("image " + rec.image_fingerprint.substr(0, 12) + " of instance \"" +
                           name + "\" is missing from the store (" + plan.image_rootfs + ")");
  }
  // As LXD: the deferred trigger's templates (create, copy) at the first start,
  // then the start ones at every start.
  std::vector<std::string> triggers;
  if (rec.config.count("volatile.apply_template")) {
    triggers.push_back(rec.config["volatile.apply_template"]);
  }
  triggers.push_back("start");
  for (const std::string& trigger : triggers) {
    auto files = TRY_CTX(RenderTemplates(rec, config, trigger),
                         "applying the templates of image " + rec.image_fingerprint.substr(0, 12));
    plan.files.insert(plan.files.end(), files.begin(), files.end());
  }
  plan.cgroup = CgroupFor(name);
  plan.env = {"container=lxc", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "TERM=linux"};
  auto state = runtime::LaunchMonitor(plan, *ctx_.monitors, ctx_.cgroups);
  if (!state) {
    // The monitor removes what it made; a cgroup left by a killed monitor is ours.
    (void)runtime::ContainerCgroup(ctx_.cgroups, plan.cgroup).Remove();
    auto e = std::move(state).error();
    e.Context("starting \"" + name + "\"");
    return e;
  }
  running_.Remember(plan.container_dir, *state);  // the first exec reads no state file
  if (rec.config.erase("volatile.apply_template")) (void)ctx_.db->UpdateInstance(rec);
  (void)ctx_.db->TouchInstance(name, ctx_.clock.Now());
  ctx_.events->PublishLifecycle("instance-started", InstanceUrl(name));
  return base::Ok();
}

Result<std::vector<runtime::PlannedFile>> InstanceManager::RenderTemplates(
    const db::InstanceRecord& rec, const db::ConfigMap& config, const std::string& trigger) {
  std::vector<runtime::PlannedFile> files;
  std::string meta = ctx_.images->MetaPath(rec.image_fingerprint);
  auto yaml = sys::ReadFile(meta + "/metadata.yaml");
  if (!yaml) return files;  // builtin images carry no templates
  auto metadata = TRY(core::ParseImageMetadata(*yaml));
  for (const auto& [path, tpl] : metadata.templates) {
    if (std::find(tpl.when.begin(), tpl.when.end(), trigger) == tpl.when.end()) continue;
    const std::string& file = tpl.template_file;
    if (file.empty() || file.find('/') != std::string::npos || file == "..") {
      return Error::Invalid(
          "template "
          " + file + "
          " for " +
          path + " must name a file in the image's templates/");
    }
    auto text = TRY_CTX(sys::ReadFile(meta + "/templates/" + file), "template " + file);
    core::TemplateContext tc{
        rec.name,
        rec.architecture,
        core::IsTrue(config.count("security.privileged") ? config.at("security.privileged") : ""),
        rec.ephemeral,
        trigger,
        config,
        tpl.properties};
    auto content = TRY_CTX(core::RenderTemplate(text, tc), "template " + file + " for " + path);
    files.push_back({path, content, tpl.create_only});
  }
  return files;
}

Status InstanceManager::Stop(const std::string& name, bool force, int timeout_s) {
  std::lock_guard lock(LockFor(name));
  return StopLocked(name, force, timeout_s);
}

Status InstanceManager::StopLocked(const std::string& name, bool force, int timeout_s) {
  TRY(ctx_.db->GetInstance(name));
  auto state = Running(name);
  if (!state) return Error::Conflict("instance \"" + name + "\" is already stopped");
  int timeout_ms = (timeout_s < 0 ? kDefaultStopTimeoutS : timeout_s) * 1000;
  TRY_CTX(runtime::StopContainer(*state, force, timeout_ms), "stopping \"" + name + "\"");
  ctx_.events->PublishLifecycle(force ? "instance-stopped" : "instance-shutdown",
                                InstanceUrl(name));
  return base::Ok();
}

Status InstanceManager::Restart(const std::string& name, bool force, int timeout_s) {
  std::lock_guard lock(LockFor(name));
  TRY(StopLocked(name, force, timeout_s));
  TRY(StartLocked(name));
  ctx_.events->PublishLifecycle("instance-restarted", InstanceUrl(name));
  return base::Ok();
}

Status InstanceManager::Delete(const std::string& name) {
  std::lock_guard lock(LockFor(name));
  if (Running(name)) {
    return Error::Conflict("instance \"" + name +
                           "\" is running: stop it first, or delete with --force");
  }
  auto rec = TRY(ctx_.db->GetInstance(name));
  auto driver = TRY(DriverFor(rec));
  (void)runtime::ContainerCgroup(ctx_.cgroups, CgroupFor(name)).Remove();
  TRY(driver->Delete(ctx_.paths.Container(name)));
  TRY(ctx_.db->DeleteInstance(name));
  ctx_.events->PublishLifecycle("instance-deleted", InstanceUrl(name));
  // Its image may now be unused: let the collector look.
  if (ctx_.scheduler) ctx_.scheduler->Poke();
  return base::Ok();
}

Status InstanceManager::Update(const std::string& name, const nlohmann::json& put, bool patch) {
  std::lock_guard lock(LockFor(name));
  auto rec = TRY(ctx_.db->GetInstance(name));
  const db::InstanceRecord before = rec;
  try {
    if (put.contains("config") && !put["config"].is_null()) {
      auto config = put["config"].get<db::ConfigMap>();
      if (patch) {
        for (const auto& [k, v] : config) rec.config[k] = v;
      } else {
        // volatile.* keys are the daemon's own: a PUT keeps them as they are.
        for (const auto& [k, v] : rec.config) {
          if (k.rfind("volatile.", 0) == 0) config[k] = v;
        }
        rec.config = config;
      }
    }
    if (put.contains("devices") && !put["devices"].is_null())
      rec.devices = put["devices"].get<db::DeviceMap>();
    if (put.contains("profiles") && !put["profiles"].is_null())
      rec.profiles = put["profiles"].get<std::vector<std::string>>();
    if (put.contains("description")) rec.description = put.value("description", "");
    if (put.contains("ephemeral")) rec.ephemeral = put.value("ephemeral", false);
  } catch (const std::exception& e) {
    return Error::Invalid(std::string("invalid instance definition: ") + e.what());
  }
  TRY(core::ValidateInstanceConfig(rec.config));
  for (const auto& p : rec.profiles) {
    if (!ctx_.db->GetProfile(p)) return Error::NotFound("profile \"" + p + "\" not found");
  }
  auto driver_of = [](const db::InstanceRecord& r) {
    auto it = r.config.find(kDriverKey);
    return it == r.config.end() ? std::string() : it->second;
  };
  if (driver_of(rec) != driver_of(before)) {
    return Error::Invalid(std::string(kDriverKey) +
                          " is the storage driver the instance was created with: it cannot "
                          "be changed");
  }
  TRY(ctx_.db->UpdateInstance(rec));
  ctx_.events->PublishLifecycle("instance-updated", InstanceUrl(name));
  return base::Ok();
}

nlohmann::json InstanceManager::StateJson(const std::string& name) const {
  auto state = Running(name);
  nlohmann::json j;
  j["status"] = state ? "Running" : "Stopped";
  j["status_code"] = state ? 103 : 102;
  j["disk"] = nlohmann::json::object();
  if (auto rec = ctx_.db->GetInstance(name)) {
    if (auto driver = DriverFor(*rec)) {
      if (auto used = (*driver)->DiskUsage(ctx_.paths.Container(name))) {
        j["disk"]["root"] = {{"usage", *used}};
      }
    }
  }
  long long mem = 0;
  long long cpu = 0;
  int processes = 0;
  if (state) {
    runtime::ContainerCgroup cg(ctx_.cgroups, CgroupFor(name));
    mem = std::max(0LL, cg.MemoryUsage());
    cpu = std::max(0LL, cg.CpuUsage());
    processes = static_cast<int>(cg.Pids().size());
  }
  j["memory"] = {{"usage", mem}, {"usage_peak", 0}, {"swap_usage", 0}, {"swap_usage_peak", 0}};
  j["network"] = nlohmann::json::object();
  j["pid"] = state ? state->init_pid : 0;
  j["processes"] = state ? processes : -1;
  j["cpu"] = {{"usage", cpu}};
  return j;
}

nlohmann::json InstanceManager::InstanceJson(const db::InstanceRecord& rec, bool with_state) const {
  std::vector<core::InstanceConfig> profile_configs;
  std::vector<core::Devices> profile_devices;
  for (const auto& p : rec.profiles) {
    if (auto prof = ctx_.db->GetProfile(p)) {
      profile_configs.push_back(prof->config);
      profile_devices.push_back(prof->devices);
    }
  }
  auto state = Running(rec.name);
  nlohmann::json j = {
      {"architecture", rec.architecture},
      {"config", rec.config},
      {"devices", rec.devices},
      {"ephemeral", rec.ephemeral},
      {"profiles", rec.profiles},
      {"stateful", rec.stateful},
      {"description", rec.description},
      {"created_at", core::FormatRfc3339(rec.created_at)},
      {"expanded_config", core::ExpandConfig(profile_configs, rec.config)},
      {"expanded_devices", core::ExpandDevices(profile_devices, rec.devices)},
      {"name", rec.name},
      {"status", state ? "Running" : "Stopped"},
      {"status_code", state ? 103 : 102},
      {"last_used_at", rec.last_used_at ? core::FormatRfc3339(rec.last_used_at)
                                        : std::string("1970-01-01T00:00:00Z")},
      {"location", "none"},
      {"type", rec.type},
      {"project", "default"},
  };
  if (with_state) {
    j["state"] = StateJson(rec.name);
    j["snapshots"] = nullptr;
    j["backups"] = nullptr;
  }
  return j;
}

std::optional<db::ConfigMap> InstanceManager::KeptExecConfig(const std::string& name,
                                                             int64_t revision) const {
  std::lock_guard lock(exec_configs_mu_);
  auto it = exec_configs_.find(name);
  if (it == exec_configs_.end() || it->second.revision != revision) return std::nullopt;
  return it->second.config;
}

Result<runtime::ExecSpec> InstanceManager::ExecBase(const std::string& name) const {
  // Read first: a write after it makes the next exec read the database again.
  const int64_t revision = ctx_.db->Revision();
  std::optional<db::ConfigMap> kept = KeptExecConfig(name, revision);
  if (!kept) {
    auto rec = TRY(ctx_.db->GetInstance(name));  // kNotFound for an unknown instance
    kept = TRY(ExpandedConfig(rec));
    std::lock_guard lock(exec_configs_mu_);
    std::erase_if(exec_configs_, [&](const auto& e) { return e.second.revision != revision; });
    exec_configs_[name] = KeptConfig{revision, *kept};
  }
  db::ConfigMap config = std::move(*kept);
  auto state = Running(name);
  if (!state) return Error::Conflict("instance \"" + name + "\" is not running");
  runtime::ExecSpec spec;
  spec.init_pid = state->init_pid;
  spec.join = TRY(running_.Join(ctx_.paths.Container(name), *state, [&] {
    return runtime::OpenJoinTarget(
        state->init_pid, runtime::ContainerCgroup(ctx_.cgroups, CgroupFor(name)).ProcsFiles());
  }));
  spec.privileged = core::IsTrue(config["security.privileged"]);
  spec.seccomp = TRY(SeccompFor(spec.privileged));
  spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
              "USER=root", "LANG=C.UTF-8"};
  for (const auto& [k, v] : config) {
    if (k.rfind("environment.", 0) == 0) spec.env.push_back(k.substr(12) + "=" + v);
  }
  return spec;
}

}  // namespace nest::daemon
