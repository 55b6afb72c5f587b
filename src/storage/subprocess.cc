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

// Reads stdout and stderr until both close; stops early if `on_line` fails.
base::Status Drain(int out_fd, int err_fd, std::string* err,
                   const std::function<base::Status(std::string_view)>& on_line) {
  std::string line;
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
      for (ssize_t k = 0; k < n; ++k) {
        if (buf[k] != '\n') {
          line += buf[k];
          continue;
        }
        if (on_line) TRY(on_line(line));
        line.clear();
      }
    }
  }
  if (!line.empty() && on_line) TRY(on_line(line));
  return base::Ok();
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
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                  const_cast<char*>("LC_ALL=C"), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return base::Error(base::ErrorKind::kUnavailable,
                       "running " + argv[0] + ": " + std::strerror(rc), rc);
  }
  out.write.reset();
  err.write.reset();

  std::string err_text;
  base::Status drained = Drain(out.read.get(), err.read.get(), &err_text, on_line);
  if (!drained.ok()) ::kill(pid, SIGKILL);
  out.read.reset();
  err.read.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!drained.ok()) return drained;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return base::Ok();
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  return base::Error::Internal(argv[0] + " " + how + ": " + Tail(err_text));
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
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* envp[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                  const_cast<char*>("LC_ALL=C"), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return base::Error(base::ErrorKind::kUnavailable,
                       "running " + argv[0] + ": " + std::strerror(rc), rc);
  }
  status.write.reset();

  base::Status drained = base::Ok();
  std::string line;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(status.read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      drained = base::Error::FromErrno("reading the status of " + argv[0], errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t k = 0; k < n && drained.ok(); ++k) {
      if (buf[k] != '\n') {
        line += buf[k];
        continue;
      }
      if (on_line) drained = on_line(line);
      line.clear();
    }
    if (!drained.ok()) break;
  }
  if (!drained.ok()) ::kill(pid, SIGKILL);
  status.read.reset();
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!drained.ok()) return drained;
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return base::Ok();
  return base::Error::Internal(
      argv[0] + (WIFEXITED(wstatus) ? " exited with status " + std::to_string(WEXITSTATUS(wstatus))
                                    : " killed by signal " + std::to_string(WTERMSIG(wstatus))));
}

}  // namespace nest::storage
