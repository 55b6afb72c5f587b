// Running a command inside a running container: join the init's namespaces
// (setns on its pidfd) and cgroups, then fork into its pid namespace and exec.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::runtime {

// What a command joins: the container's init (a pidfd, for its namespaces) and
// the container's cgroup.procs files, open for writing. Opened once per run of
// the container (RunningCache::Join) and shared by its commands' spawns.
struct JoinTarget {
  base::UniqueFd init;
  std::vector<base::UniqueFd> cgroup_procs;
};

// Errors: the init is gone (kNotFound), a cgroup.procs file cannot be opened.
base::Result<JoinTarget> OpenJoinTarget(pid_t init_pid,
                                        const std::vector<std::string>& cgroup_procs);

struct ExecSpec {
  pid_t init_pid = 0;
  std::shared_ptr<const JoinTarget> join;  // of this init: required
  bool privileged = false;                 // the container has no user namespace of its own
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE"; PATH here is used to find argv[0]
  std::string cwd;               // "" → "/"
  uid_t uid = 0;                 // as seen inside the container
  gid_t gid = 0;
  int stdin_fd = -1;  // the child's ends; the caller keeps its own
  int stdout_fd = -1;
  int stderr_fd = -1;
  bool tty = false;  // stdin_fd is a terminal: make it the controlling terminal
  // The container's seccomp policy (runtime/seccomp.h), the command's before it
  // takes the container's ids: inherited from the thread that spawns it, or
  // loaded by the command itself; null for a privileged container.
  const std::vector<sock_filter>* seccomp = nullptr;
  // Optional start gate: the read end of a pipe. The command is made ready
  // inside the container (cgroups, namespaces, ids, descriptors), then waits for
  // one byte on it before it execs; EOF or `gate_timeout_ms` without a byte and
  // it exits unrun (SpawnExec then fails with kConflict). This lets the
  // caller's own wait (for its clients' streams) overlap the setup.
  int start_gate = -1;
  int gate_timeout_ms = 10000;
};

struct ExecExit {
  int code = 0;       // exit status, or 128+N when killed by signal N
  std::string error;  // set when the command could not be run (code 127 or 126)
};

// The running command: a direct child of the calling process (so only it reaps
// it), inside the container's namespaces.
class ExecProcess {
 public:
  // `exec_errno` != 0: the command could not be exec'd (it exits 127 or 126).
  ExecProcess(pid_t command, base::UniqueFd pidfd, int exec_errno)
      : command_(command), pidfd_(std::move(pidfd)), exec_errno_(exec_errno) {}
  ExecProcess(const ExecProcess&) = delete;
  ExecProcess& operator=(const ExecProcess&) = delete;
  ~ExecProcess();

  // Host pid of the command.
  pid_t pid() const { return command_; }
  // Safe from another thread while Wait blocks. Errors: kNotFound once waited.
  base::Status Signal(int sig);
  // Blocks until the command has exited. Call once.
  ExecExit Wait();

 private:
  pid_t command_;
  base::UniqueFd pidfd_;
  int exec_errno_;
  std::atomic<bool> waited_ = false;
};

// Safe to call from a multi-threaded process. The helper that joins the
// container's cgroups and namespaces and the command itself are created
// vfork-style (CLONE_VM | CLONE_VFORK, as posix_spawn does): nothing of the
// caller's memory is copied, so the cost does not grow with the daemon's size;
// the calling thread is suspended until the command has exec'd. Both children
// make only system calls. Makes the calling process non-dumpable (see exec.cc).
// Errors: the init is gone or its cgroup removed (kNotFound), the start gate
// was not opened (kConflict), clone/setns failed.
base::Result<std::unique_ptr<ExecProcess>> SpawnExec(const ExecSpec& spec);

}  // namespace nest::runtime
