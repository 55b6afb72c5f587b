// The daemon's shared parts, constant after start-up, handed to every handler.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/ops/events.h"
#include "daemon/ops/operations.h"
#include "db/database.h"
#include "runtime/cgroup.h"
#include "storage/image_store.h"

namespace nest::daemon {

class HttpsEndpoint;
class TrustTokens;

struct Paths {
  std::string dir;  // $NEST_DIR
  std::string Db() const { return dir + "/nest.db"; }
  std::string Socket() const { return dir + "/unix.socket"; }
  std::string Images() const { return dir + "/images"; }
  std::string Containers() const { return dir + "/containers"; }
  std::string Container(const std::string& name) const { return Containers() + "/" + name; }
};

struct Context {
  Paths paths;
  std::string monitor_path;  // nest-monitor, beside nestd
  std::string busybox_path;  // the host's busybox-static
  std::string subuid_file;   // /etc/subuid unless $NEST_SUBUID_FILE
  std::string subgid_file;
  std::string cgroup_prefix;  // "nest", or "nest-<hash>" for a non-default $NEST_DIR
  std::string architecture;   // uname machine, e.g. x86_64
  std::vector<std::shared_ptr<runtime::CgroupHierarchy>> cgroups;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<storage::ImageStore> images;
  std::unique_ptr<ops::EventHub> events;
  std::unique_ptr<ops::OperationManager> operations;
  HttpsEndpoint* https = nullptr;  // owned by RunDaemon; set before serving
  TrustTokens* tokens = nullptr;   // owned by RunDaemon; set before serving
};

}  // namespace nest::daemon
