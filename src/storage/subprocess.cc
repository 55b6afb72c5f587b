#include "storage/subprocess.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/syscalls.h"

namespace nest::storage {
namespace {

constexpr size_t kStderrTail = 2048;

std::string Tail(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > kStderrTail) s = "…" + s.substr(s.size() - kStderrTail);
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

// Splits a byte stream into lines for `on_line`; remembers the first error.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<base::Status(std::string_view)>& on_line)
      : on_line_(on_line) {}
  base::Status Feed(const char* data, size_t n) {
    for (size_t k = 0; k < n && status_.ok(); ++k) {
      if (data[k] != '\n') {
        line_ += data[k];
        continue;
      }
      if (on_line_) status_ = on_line_(line_);
      line_.clear();
    }
    return status_;
  }
  base::Status Finish() {
    if (status_.ok() && !line_.empty() && on_line_) status_ = on_line_(line_);
    return status_;
  }

 private:
  const std::function<base::Status(std::string_view)>& on_line_;
  std::string line_;
  base::Status status_ = base::Ok();
};

// Reads stdout and stderr until both close; stops early if `on_line` fails.
base::Status Drain(int out_fd, int err_fd, std::string* err,
                   const std::function<base::Status(std::string_view)>& on_line) {
  LineSplitter lines(on_line);
  char buf[65536];
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return base::Error::FromErrno("poll", errno);
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (i == 1) {
        err->append(buf, n);
        if (err->size() > 4 * kStderrTail) err->erase(0, err->size() - 2 * kStderrTail);
        continue;
      }
      TRY(lines.Feed(buf, static_cast<size_t>(n)));
    }
  }
  return lines.Finish();
}

// posix_spawn of argv with `actions` and a fixed, minimal environment.
base::Result<pid_t> Spawn(const std::vector<std::string>& argv,
                          const posix_spawn_file_actions_t* actions) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                  const_cast<char*>("LC_ALL=C"), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], actions, nullptr, args.data(), envp);
  if (rc != 0) {
    return base::Error(base::ErrorKind::kUnavailable,
                       "running " + argv[0] + ": " + std::strerror(rc), rc);
  }
  return pid;
}

// Waits for the tool (killing it first when reading its output failed) and
// turns how it ended into a Status; `err_tail` is appended to a failure.
base::Status Reap(pid_t pid, const std::string& tool, const base::Status& drained,
                  const std::string& err_tail) {
  if (!drained.ok()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!drained.ok()) return drained;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return base::Ok();
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  return base::Error::Internal(tool + " " + how + (err_tail.empty() ? "" : ": " + err_tail));
}

}  // namespace

base::Status RunTool(const std::vector<std::string>& argv,
                     const std::function<base::Status(std::string_view line)>& on_line) {
  sys::PipePair out = TRY(sys::Pipe());
  sys::PipePair err = TRY(sys::Pipe());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  auto pid = Spawn(argv, &actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) return std::move(pid).error();
  out.write.reset();
  err.write.reset();

  std::string err_text;
  base::Status drained = Drain(out.read.get(), err.read.get(), &err_text, on_line);
  out.read.reset();
  err.read.reset();
  return Reap(*pid, argv[0], drained, Tail(err_text));
}

base::Status RunToolWithStatusFd(
    const std::vector<std::string>& argv, const std::string& log_path,
    const std::function<base::Status(std::string_view line)>& on_line) {
  sys::PipePair status = TRY(sys::Pipe());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, status.write.get(), 3);
  auto pid = Spawn(argv, &actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) return std::move(pid).error();
  status.write.reset();

  LineSplitter lines(on_line);
  base::Status drained = base::Ok();
  char buf[4096];
  while (drained.ok()) {
    ssize_t n = ::read(status.read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      drained = base::Error::FromErrno("reading the status of " + argv[0], errno);
    } else if (n == 0) {
      drained = lines.Finish();
      break;
    } else {
      drained = lines.Feed(buf, static_cast<size_t>(n));
    }
  }
  status.read.reset();
  return Reap(*pid, argv[0], drained, "");
}

}  // namespace nest::storage
