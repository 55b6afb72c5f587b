#include "daemon/exec_session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "sys/syscalls.h"

namespace nest::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 10s;
// After the command exits, output still buffered is forwarded for this long at
// most: a background child holding stdout open must not keep the session alive.
constexpr int kDrainMs = 300;

void SetWindowSize(int fd, int width, int height) {
  if (width <= 0 || height <= 0) return;
  struct winsize ws {};
  ws.ws_col = static_cast<unsigned short>(width);
  ws.ws_row = static_cast<unsigned short>(height);
  ::ioctl(fd, TIOCSWINSZ, &ws);
}

}  // namespace

ExecSession::ExecSession(runtime::ExecSpec spec, bool streams, bool interactive, int width,
                         int height)
    : spec_(std::move(spec)),
      streams_(streams),
      interactive_(interactive && streams),
      width_(width),
      height_(height) {
  if (!streams_) return;
  if (auto gate = sys::Pipe(O_CLOEXEC)) {
    gate_read_ = std::move(gate->read);
    gate_write_ = std::move(gate->write);
    spec_.start_gate = gate_read_.get();
    spec_.gate_timeout_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(kConnectTimeout).count());
  }
}

std::vector<std::string> ExecSession::Required() const {
  if (!streams_) return {};
  if (interactive_) return {"0", "control"};
  return {"0", "1", "2"};
}

void ExecSession::OnConnect(const std::string& fd_name, http::WebSocket& ws) {
  {
    std::lock_guard lock(mu_);
    if (finished_ || sockets_.count(fd_name)) return;
    sockets_[fd_name] = &ws;
    if (fd_name == "control") control_connected_ = true;
    bool all = true;
    for (const auto& n : Required()) all = all && sockets_.count(n) > 0;
    if (all && gate_write_) {
      (void)sys::WriteFd(gate_write_.get(), "g");  // the command may exec now
      gate_write_.reset();
    }
  }
  cv_.notify_all();
  if (fd_name == "0") {
    ReadStdin(ws);
  } else if (fd_name == "control") {
    ReadControl(ws);
    ClientGone();
  } else if (!interactive_ && (fd_name == "1" || fd_name == "2")) {
    WatchOutput(ws, /*closing_means_gone=*/fd_name == "1");
  }
  // Every socket stays until the session is over: the operation thread writes
  // to the output ones and closes them all.
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
}

void ExecSession::ReadStdin(http::WebSocket& ws) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return started_ || finished_; });
    if (finished_) return;
  }
  while (true) {
    auto msg = ws.Read();
    if (!msg || (!msg->binary && msg->data.empty())) break;
    if (!msg->binary) continue;
    if (!sys::WriteFd(stdin_.get(), msg->data)) break;
  }
  // End of input: close the command's stdin (not the pty, which carries output).
  if (!interactive_) {
    std::lock_guard lock(mu_);
    stdin_.reset();
  }
}

void ExecSession::ReadControl(http::WebSocket& ws) {
  while (true) {
    auto msg = ws.Read();
    if (!msg) break;
    try {
      auto j = nlohmann::json::parse(msg->data);
      std::string command = j.value("command", "");
      std::lock_guard lock(mu_);
      if (command == "signal" && process_) {
        (void)process_->Signal(j.value("signal", 15));
      } else if (command == "window-resize" && interactive_ && stdin_) {
        auto args = j.value("args", nlohmann::json::object());
        SetWindowSize(stdin_.get(), std::atoi(args.value("width", "0").c_str()),
                      std::atoi(args.value("height", "0").c_str()));
      }
    } catch (const std::exception&) {
      // A malformed control message is ignored, as LXD does.
    }
  }
}

void ExecSession::WatchOutput(http::WebSocket& ws, bool closing_means_gone) {
  while (ws.Read()) {
  }
  if (!closing_means_gone) return;
  bool control;
  {
    std::lock_guard lock(mu_);
    control = control_connected_;
  }
  if (!control) ClientGone();  // else the control stream's end decides
}

void ExecSession::ClientGone() {
  std::lock_guard lock(mu_);
  if (finished_ || !process_) return;
  if (process_->Signal(SIGKILL)) {
    base::LogInfo("exec: the client left before " + spec_.argv[0] + " ended: killed it");
  }
}

base::Status ExecSession::Spawn() {
  base::UniqueFd child_in, child_out, child_err;
  if (interactive_) {
    auto pty = TRY_CTX(runtime::OpenContainerPty(spec_.init_pid), "allocating a terminal");
    stdin_ = std::move(pty.master);
    child_in = std::move(pty.slave);
    SetWindowSize(stdin_.get(), width_, height_);
    spec_.stdin_fd = spec_.stdout_fd = spec_.stderr_fd = child_in.get();
    spec_.tty = true;
  } else {
    auto in = TRY(sys::Pipe());
    auto out = TRY(sys::Pipe());
    auto err = TRY(sys::Pipe());
    stdin_ = std::move(in.write);
    stdout_ = std::move(out.read);
    stderr_ = std::move(err.read);
    child_in = std::move(in.read);
    child_out = std::move(out.write);
    child_err = std::move(err.write);
    spec_.stdin_fd = child_in.get();
    spec_.stdout_fd = child_out.get();
    spec_.stderr_fd = child_err.get();
  }
  auto process = TRY(runtime::SpawnExec(spec_));
  std::lock_guard lock(mu_);
  if (!streams_) stdin_.reset();
  process_ = std::move(process);
  started_ = true;
  cv_.notify_all();
  return base::Ok();
}

void ExecSession::PumpOutput() {
  // Looked up when there is something to write: the pump starts before the
  // websockets have all connected (the command waits for them at its gate).
  auto socket = [this](const char* name) -> http::WebSocket* {
    std::lock_guard lock(mu_);
    auto it = sockets_.find(name);
    return it == sockets_.end() ? nullptr : it->second;
  };
  const char* out_name = interactive_ ? "0" : "1";
  int out_fd = interactive_ ? stdin_.get() : stdout_.get();
  int err_fd = interactive_ ? -1 : stderr_.get();
  base::UniqueFd pidfd = sys::PidfdOpen(process_->pid()).value_or(base::UniqueFd());
  struct pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::time_point::max();
  char buf[32768];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    int timeout = -1;
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) break;
      timeout = static_cast<int>(left);
    }
    int r = ::poll(fds, 3, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        http::WebSocket* ws = socket(i == 0 ? out_name : "2");
        if (ws) (void)ws->WriteBinary(std::string_view(buf, n));
      } else if (n == 0 || errno != EAGAIN) {
        fds[i].fd = -1;  // EOF (a pty master reports EIO once the command is gone)
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & POLLIN)) {
      fds[2].fd = -1;
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDrainMs);
      for (auto& f : fds) {
        if (f.fd >= 0) ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) | O_NONBLOCK);
      }
    }
  }
  if (auto* ws = socket(out_name)) (void)ws->WriteText("");
  if (interactive_) return;
  if (auto* ws = socket("2")) (void)ws->WriteText("");
}

void ExecSession::Finish() {
  std::lock_guard lock(mu_);
  finished_ = true;
  for (auto& [name, ws] : sockets_) ws->Close();
  cv_.notify_all();
}

base::Status ExecSession::Run(ops::Operation& op) {
  // Spawn returns once the command exists: with streams, it waits at its start
  // gate until the last websocket has connected, while its output is pumped.
  if (streams_ && !gate_read_) {
    Finish();
    return base::Error::Internal("exec: cannot create the command's start gate");
  }
  if (auto s = Spawn(); !s) {
    Finish();
    return s;
  }
  PumpOutput();
  runtime::ExecExit exit = process_->Wait();
  base::Status result = base::Ok();
  if (exit.unstarted) {
    result = base::Error::Invalid("timed out waiting for the exec websockets to connect");
  } else if (!exit.error.empty()) {
    result = base::Error::Invalid(exit.error);
  }
  // The exit code is final: answer the client's wait, then close the streams.
  op.Conclude(result, {{"return", exit.code}});
  Finish();
  return result;
}

}  // namespace nest::daemon
