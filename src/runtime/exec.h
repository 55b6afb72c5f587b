// Running a command inside a running container: join the init's namespaces
// (setns on its pidfd) and cgroups, then fork into its pid namespace and exec.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <atomic>
#include <functional>
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
  // takes the container's ids: inherited when SpawnExec runs on a RunFiltered
  // thread, else loaded by the command itself; null for a privileged container.
  const std::vector<sock_filter>* seccomp = nullptr;
  // Optional start gate: the read end of a pipe. The command is made ready
  // inside the container (cgroups, namespaces, ids, descriptors), then waits for
  // one byte on it before it execs; EOF or `gate_timeout_ms` without a byte and
  // it exits unrun (ExecExit::unstarted). This lets the caller's own wait (for
  // its clients' streams) overlap the setup.
  int start_gate = -1;
  int gate_timeout_ms = 10000;
};

struct ExecExit {
  int code = 0;            // exit status, or 128+N when killed by signal N
  std::string error;       // set when the command did not run (code 127, 126 or 125)
  bool unstarted = false;  // its start gate was never opened (code 125)
};

struct SpawnState;  // the memory a spawned command shares with us (exec.cc)

// The running command: a direct child of the calling process (so only it reaps
// it), inside the container's namespaces.
class ExecProcess {
 public:
  ExecProcess(pid_t command, base::UniqueFd pidfd, std::unique_ptr<SpawnState> state);
  ExecProcess(const ExecProcess&) = delete;
  ExecProcess& operator=(const ExecProcess&) = delete;
  ~ExecProcess();  // kills and reaps a command not yet waited for

  // Host pid of the command.
  pid_t pid() const { return command_; }
  // Safe from another thread while Wait blocks. Errors: kNotFound once waited.
  base::Status Signal(int sig);
  // Blocks until the command has exited. Call once.
  ExecExit Wait();

 private:
  pid_t command_;
  base::UniqueFd pidfd_;
  // Shared with the command until it execs or exits: freed after it has.
  std::unique_ptr<SpawnState> state_;
  std::atomic<bool> waited_ = false;
};

// Runs `task` on a thread of a pool whose threads each loaded `program` (which
// must outlive the process) as their own seccomp filter, once. A command that
// SpawnExec spawns from such a thread, for a container of that policy,
// inherits the filter and loads nothing: loading one costs a BPF allocation
// and JIT each time (100-730 us on this VM). The pool's threads run nothing but
// these tasks; the policy (runtime/seccomp.h) forbids no system call of a
// daemon's. A thread that cannot load it runs `task` unfiltered.
void RunFiltered(const std::vector<sock_filter>& program, std::function<void()> task);

// Safe to call from a multi-threaded process. The helper that joins the
// container's cgroups and namespaces is created vfork-style (CLONE_VM |
// CLONE_VFORK, as posix_spawn does): nothing of the caller's memory is copied,
// so the cost does not grow with the daemon's size. The helper creates the
// command in our memory too, then exits; SpawnExec returns then, while the
// command readies itself and waits at its start gate: what stops it from
// running (not found, not executable, the gate never opened) is known when
// it has exited (ExecProcess::Wait). Both children make only system calls.
// Makes the calling process non-dumpable (see exec.cc). Errors: the init is
// gone or its cgroup removed (kNotFound), clone/setns failed.
base::Result<std::unique_ptr<ExecProcess>> SpawnExec(const ExecSpec& spec);

}  // namespace nest::runtime
