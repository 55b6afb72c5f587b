// nestd: the nest daemon. See `nestd --help`.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/log.h"
#include "daemon/daemon.h"
#include "runtime/signals.h"

namespace {

constexpr const char* kUsage =
    "Usage: nestd [--foreground | --detach] [--debug] [--clock-file FILE]\n"
    "\n"
    "The nest daemon: serves the LXD 1.0 REST API on $NEST_DIR/unix.socket and\n"
    "manages images and unprivileged system containers.\n"
    "\n"
    "  --foreground  run in the foreground, logging to stderr (default)\n"
    "  --detach      run in the background, logging to $NEST_DIR/nestd.log; returns\n"
    "                once the API socket answers\n"
    "  --debug       log debug messages\n"
    "  --clock-file FILE  test hook: read \"now\" (RFC 3339, e.g.\n"
    "                2026-12-01T00:00:00Z) from FILE whenever it exists; image\n"
    "                expiry and update checks follow it\n"
    "\n"
    "Environment:\n"
    "  NEST_DIR          state directory (default /var/lib/nest)\n"
    "  NEST_SUBUID_FILE  subordinate uid file (default /etc/subuid)\n"
    "  NEST_SUBGID_FILE  subordinate gid file (default /etc/subgid)\n"
    "  NEST_MONITOR      the nest-monitor binary (default: beside nestd)\n"
    "\n"
    "Containers keep running when nestd stops; a restarted nestd finds them again.\n";

bool SocketAnswers(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int Serve(const nest::daemon::Options& options) {
  auto rc = nest::daemon::RunDaemon(options);
  if (!rc) {
    std::fprintf(stderr, "Error: %s\n", rc.error().message().c_str());
    return 1;
  }
  return *rc;
}

}  // namespace

int main(int argc, char** argv) {
  bool detach = false;
  nest::daemon::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--detach" || a == "-d") {
      detach = true;
    } else if (a == "--foreground") {
      detach = false;
    } else if (a == "--debug") {
      options.debug = true;
    } else if (a == "--clock-file" && i + 1 < argc) {
      options.clock_file = argv[++i];
    } else if (a.rfind("--clock-file=", 0) == 0) {
      options.clock_file = a.substr(std::strlen("--clock-file="));
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "nestd: unknown argument \"%s\"\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  const char* dir = std::getenv("NEST_DIR");
  options.dir = dir && *dir ? dir : "/var/lib/nest";
  if (::geteuid() != 0) {
    std::fprintf(stderr, "Error: nestd must run as root (it creates namespaces and cgroups)\n");
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  // Asked once, before any thread: what containers' processes must not inherit.
  (void)nest::runtime::IgnoredSignals();
  // Stop signals are taken by a dedicated thread (sigwait); block them everywhere.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);

  std::string socket = options.dir + "/unix.socket";
  if (!detach) {
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    return Serve(options);
  }
  if (SocketAnswers(socket)) {
    std::fprintf(stderr, "Error: nestd is already running (socket %s answers)\n", socket.c_str());
    return 1;
  }
  std::string log = options.dir + "/nestd.log";
  ::mkdir(options.dir.c_str(), 0711);
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) {
    ::setsid();
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    if (null >= 0) ::dup2(null, 0);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    ::_exit(Serve(options));
  }
  for (int i = 0; i < 200; ++i) {
    if (SocketAnswers(socket)) return 0;
    int status;
    if (::waitpid(child, &status, WNOHANG) == child) {
      std::fprintf(stderr, "Error: nestd exited during start-up; see %s\n", log.c_str());
      return 1;
    }
    ::usleep(25000);
  }
  std::fprintf(stderr, "Error: nestd did not answer on %s within 5 s; see %s\n", socket.c_str(),
               log.c_str());
  return 1;
}
