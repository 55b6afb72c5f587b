// The daemon's shared parts, constant after start-up, handed to every handler.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/activity.h"
#include "daemon/clock.h"
#include "daemon/ops/events.h"
#include "daemon/ops/operations.h"
#include "db/database.h"
#include "runtime/cgroup.h"
#include "runtime/monitor_starter.h"
#include "storage/image_store.h"

namespace nest::daemon {

class ImageFetcher;
class Scheduler;
class HttpsEndpoint;
class TrustTokens;
class ImageSecrets;

struct Paths {
  std::string dir;  // $NEST_DIR
  std::string Db() const { return dir + "/nest.db"; }
  std::string Socket() const { return dir + "/unix.socket"; }
  std::string Images() const { return dir + "/images"; }
  std::string Containers() const { return dir + "/containers"; }
  std::string Container(const std::string& name) const { return Containers() + "/" + name; }
  std::string DebCache() const { return dir + "/cache/debootstrap"; }  // builtin:debian builds
};

struct Context {
  Paths paths;
  std::string busybox_path;   // the host's busybox-static
  std::string apt_dir;        // /etc/apt unless $NEST_APT_DIR: the mirror for builtin:debian
  std::string builtin_cache;  // $NEST_BUILTIN_CACHE: built builtin images shared by daemons
  std::string subuid_file;    // /etc/subuid unless $NEST_SUBUID_FILE
  std::string subgid_file;
  std::string cgroup_prefix;  // "nest", or "nest-<hash>" for a non-default $NEST_DIR
  std::string architecture;   // uname machine, e.g. x86_64
  Clock clock;                // "now" for image times and the cache policy
  std::vector<std::shared_ptr<runtime::CgroupHierarchy>> cgroups;
  base::Activity activity;  // the exec sessions running (api_exec counts them)
  // nest-monitor, beside nestd; its spares wait for `activity` to be quiet.
  std::unique_ptr<runtime::MonitorStarter> monitors;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<storage::ImageStore> images;
  std::unique_ptr<ops::EventHub> events;
  std::unique_ptr<ops::OperationManager> operations;
  // Held shared while a container is being created from an image, exclusively
  // while the image collector decides and removes: an image never disappears
  // between "this image exists" and "a container now uses it".
  std::shared_mutex image_use_mu;
  // Set once at start-up; null in unit tests.
  ImageFetcher* fetcher = nullptr;        // downloads from remotes (image updates)
  Scheduler* scheduler = nullptr;         // poked when the config or the store changes
  HttpsEndpoint* https = nullptr;         // owned by RunDaemon; set before serving
  TrustTokens* tokens = nullptr;          // owned by RunDaemon; set before serving
  ImageSecrets* image_secrets = nullptr;  // owned by RunDaemon; set before serving
};

}  // namespace nest::daemon
