#include "daemon/daemon.h"

#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <thread>

#include "base/log.h"
#include "daemon/http/router.h"
#include "daemon/http/server.h"
#include "daemon/https_endpoint.h"
#include "daemon/image_gc.h"
#include "daemon/image_secrets.h"
#include "daemon/image_update.h"
#include "daemon/instances.h"
#include "daemon/remote_fetcher.h"
#include "daemon/routes.h"
#include "daemon/scheduler.h"
#include "daemon/trust_tokens.h"
#include "storage/image_import.h"
#include "storage/storage_driver.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

constexpr const char* kDefaultDir = "/var/lib/nest";

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string exe(buf, n);
  return exe.substr(0, exe.rfind('/'));
}

// Containers of different state directories must not share cgroups.
std::string CgroupPrefix(const std::string& dir) {
  if (dir == kDefaultDir) return "nest";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(dir));
  return std::string("nest-") + std::string(hex).substr(0, 8);
}

base::Status PrepareDirs(const Paths& paths) {
  TRY(sys::MkdirAll(paths.dir, 0711));
  // 0711 down to each container: a container's root (a mapped uid) must be able
  // to reach its own mount points; listing is still refused.
  ::chmod(paths.dir.c_str(), 0711);
  TRY(sys::Mkdir(paths.Containers(), 0711));
  ::chmod(paths.Containers().c_str(), 0711);
  TRY(sys::Mkdir(paths.Images(), 0711));
  ::chmod(paths.Images().c_str(), 0711);
  return base::Ok();
}

}  // namespace

base::Result<int> RunDaemon(const Options& options) {
  if (options.debug) base::SetLogLevel(base::LogLevel::kDebug);
  Context ctx;
  ctx.paths.dir = options.dir;
  ctx.clock = Clock(options.clock_file);
  TRY_CTX(PrepareDirs(ctx.paths), "preparing " + options.dir);
  std::string monitor = EnvOr("NEST_MONITOR", SelfDir() + "/nest-monitor");
  if (!sys::Exists(monitor)) {
    // Build tree layout: build/src/daemon/nestd beside build/src/monitor/nest-monitor.
    std::string sibling = SelfDir() + "/../monitor/nest-monitor";
    if (sys::Exists(sibling)) monitor = sibling;
  }
  ctx.monitors = std::make_unique<runtime::MonitorStarter>(monitor, &ctx.activity);
  ctx.busybox_path = EnvOr("NEST_BUSYBOX", "/bin/busybox");
  ctx.apt_dir = EnvOr("NEST_APT_DIR", "/etc/apt");
  ctx.builtin_cache = EnvOr("NEST_BUILTIN_CACHE", "");
  ctx.subuid_file = EnvOr("NEST_SUBUID_FILE", "/etc/subuid");
  ctx.subgid_file = EnvOr("NEST_SUBGID_FILE", "/etc/subgid");
  ctx.cgroup_prefix = CgroupPrefix(options.dir);
  struct utsname u {};
  ::uname(&u);
  ctx.architecture = u.machine;
  if (auto cgroups = runtime::DetectHierarchies()) {
    ctx.cgroups = std::move(*cgroups);
  } else {
    base::LogWarn(cgroups.error().message());
  }
  ctx.db = TRY_CTX(db::Database::Open(ctx.paths.Db()), "opening the database");
  ctx.images = std::make_unique<storage::ImageStore>(ctx.paths.Images());
  ctx.images->CleanTemporary();
  storage::RemoveIncompleteImages(ctx.paths.Images());
  if (auto images = ctx.db->ListImages()) {
    std::set<std::string> known;
    for (const auto& img : *images) known.insert(img.fingerprint);
    storage::RemoveUnknownImages(ctx.paths.Images(), known);
  }
  storage::RemoveInterruptedCreates(ctx.paths.Containers());
  ctx.events = std::make_unique<ops::EventHub>();
  ctx.operations = std::make_unique<ops::OperationManager>(ctx.events.get());
  InstanceManager instances(ctx);

  http::Router router;
  db::Database* db = ctx.db.get();
  auto https = TRY(HttpsEndpoint::Create(
      ctx.paths.dir, router, [db](const std::string& fp) { return db->GetCertificate(fp).ok(); }));
  TrustTokens tokens(*ctx.operations);
  ImageSecrets image_secrets(*ctx.operations);
  ctx.https = https.get();
  ctx.tokens = &tokens;
  ctx.image_secrets = &image_secrets;
  ctx.operations->RegisterRoutes(router);
  ctx.events->RegisterRoutes(router);
  RegisterServerRoutes(router, ctx);
  RegisterInstanceRoutes(router, ctx, instances);
  RegisterExecRoutes(router, ctx, instances);
  RegisterProfileRoutes(router, ctx);
  RegisterImageRoutes(router, ctx, instances);
  RegisterTaskRoutes(router, ctx);
  RegisterCertificateRoutes(router, ctx);

  RemoteFetcher fetcher(ctx);
  ctx.fetcher = &fetcher;
  Scheduler scheduler;
  scheduler.Add("image-expiry", "Cleaning up expired images",
                [&ctx] { return CollectImages(ctx); });
  scheduler.Add("image-update", "Updating images",
                [&ctx] { return UpdateImages(ctx, ctx.fetcher); });
  ctx.scheduler = &scheduler;

  http::Server server(router);
  TRY(server.Listen(ctx.paths.Socket()));
  auto config = TRY_CTX(ctx.db->GetConfig(), "reading the server configuration");
  if (auto it = config.find("core.https_address"); it != config.end() && !it->second.empty()) {
    // A taken port must not keep the daemon from serving its unix socket.
    if (auto s = https->Apply(it->second); !s) base::LogError(s.error().message());
  }

  // SIGTERM/SIGINT stop the API server; containers keep running.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    base::LogInfo("signal " + std::to_string(sig) + ": shutting down (containers keep running)");
    tokens.Shutdown();
    ctx.operations->Shutdown();
    https->Apply("").ok();
    server.Stop();
  });
  base::LogInfo("nestd serving on " + ctx.paths.Socket() + " (containers' cgroups under " +
                ctx.cgroup_prefix + "/)");
  scheduler.Start();
  server.Run();
  scheduler.Stop();
  ::pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  runtime::RemoveIfEmpty(ctx.cgroups, ctx.cgroup_prefix);
  return 0;
}

}  // namespace nest::daemon
