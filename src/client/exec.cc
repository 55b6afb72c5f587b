#include "client/exec.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>

#include "client/operations.h"
#include "client/websocket.h"

namespace nest::client {
namespace {

using base::Error;
using base::Result;
using nlohmann::json;

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Puts a terminal in raw mode for its lifetime.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

const std::vector<int> kForwardedSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Unblocks signals in the calling thread for its lifetime: the loop that
// forwards them runs on this thread, so a caller's blocked signal would
// otherwise stay pending, and kill the process once the loop is gone.
class SignalUnblock {
 public:
  explicit SignalUnblock(const std::vector<int>& signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    active_ = pthread_sigmask(SIG_UNBLOCK, &set, &saved_) == 0;
  }
  ~SignalUnblock() {
    if (active_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SignalUnblock(const SignalUnblock&) = delete;
  SignalUnblock& operator=(const SignalUnblock&) = delete;

 private:
  sigset_t saved_;
  bool active_ = false;
};

json ResizeMessage(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return nullptr;
  return {{"command", "window-resize"},
          {"args", {{"width", std::to_string(ws.ws_col)}, {"height", std::to_string(ws.ws_row)}}}};
}

}  // namespace

json ExecRequestBody(const ExecOptions& o) {
  return {{"command", o.command},
          {"wait-for-websocket", true},
          {"interactive", o.interactive},
          {"environment", o.environment},
          {"width", o.width},
          {"height", o.height},
          {"record-output", false},
          {"user", o.user},
          {"group", o.group},
          {"cwd", o.cwd}};
}

Result<ExecOutcome> Exec(Connection& conn, const std::string& instance, const ExecOptions& options,
                         const ExecIo& io) {
  // Everything below runs on this thread: the websockets, stdin, the signals
  // and the final state are callbacks of one loop (no thread to start).
  std::vector<int> forwarded = kForwardedSignals;
  if (options.interactive) forwarded.push_back(SIGWINCH);
  std::optional<SignalUnblock> unblocked;  // outlives the loop's signal handlers
  if (options.forward_signals) unblocked.emplace(forwarded);
  EventLoop loop;

  // The streams' connections are opened while nestd answers the POST (their
  // setup costs this process about as long as nestd takes to answer).
  PendingRequest post = TRY(conn.Send("POST", "/1.0/instances/" + instance + "/exec",
                                      ExecRequestBody(options), {}, /*keep_open=*/true));
  auto opened = WebSocket::Open(loop, conn.socket_path(), options.interactive ? 2 : 3);
  Response posted = TRY(post.Receive());
  auto streams = TRY_CTX(std::move(opened), "exec: connecting the command's streams");
  json op = std::move(posted.metadata);
  std::string id = OperationId(op);
  json fds;
  try {
    fds = op.at("metadata").at("fds");
  } catch (const json::exception&) {
    return Error::Internal("exec: the server's operation has no websocket fds");
  }
  auto secret = [&](const char* key) -> std::string {
    auto it = fds.find(key);
    return it != fds.end() && it->is_string() ? it->get<std::string>() : "";
  };

  std::vector<std::string> keys, targets;
  // Without a terminal the control stream is optional (lxd-spec §4.3): it is
  // connected when there is a signal to forward, not for every command (one
  // connection and handshake less on each side, while the command starts).
  std::string control_target;
  for (std::string key : {"0", "1", "2", "control"}) {
    std::string s = secret(key.c_str());
    if (s.empty()) continue;
    std::string target = "/1.0/operations/" + id + "/websocket?secret=" + s;
    if (key == "control" && !options.interactive) {
      control_target = std::move(target);
      continue;
    }
    keys.push_back(key);
    targets.push_back(std::move(target));
  }
  auto connected = TRY_CTX(WebSocket::Handshake(loop, streams, targets),
                           "exec: connecting the command's streams");
  std::map<std::string, std::shared_ptr<WebSocket>> sockets;
  for (size_t i = 0; i < keys.size(); ++i) sockets[keys[i]] = connected[i];
  auto stream = [&](const char* key) -> std::shared_ptr<WebSocket> {
    auto it = sockets.find(key);
    return it == sockets.end() ? nullptr : it->second;
  };
  std::shared_ptr<WebSocket> control = stream("control");
  std::shared_ptr<WebSocket> in = stream("0");
  if (!in) return Error::Internal("exec: the server offered no stdin stream");

  // The final state (exit code) is asked for at once, on the POST's connection
  // (kept open for it): it arrives as the output ends instead of one round trip later.
  std::string wait_target = "/1.0/operations/" + id + "/wait?timeout=-1";
  PendingRequest wait =
      TRY_CTX(conn.Then(std::move(post), "GET", wait_target), "waiting for operation " + id);
  std::optional<Result<json>> done;
  loop.WhenReadable(wait.fd(), [&] {
    Result<Response> r = wait.Receive();
    if (r.ok()) {
      done.emplace(std::move(r->metadata));
    } else {
      base::Error e = std::move(r).error();
      e.Context("waiting for operation " + id);
      done.emplace(std::move(e));
    }
  });

  std::optional<RawTerminal> raw;
  if (options.interactive && ::isatty(io.in)) raw.emplace(io.in);

  // The control stream, connected at its first use when it was not at once
  // (one attempt: the command may have ended meanwhile).
  auto control_stream = [&]() -> std::shared_ptr<WebSocket> {
    if (!control && !control_target.empty()) {
      auto connected = WebSocket::Connect(loop, conn.socket_path(), control_target);
      control_target.clear();
      if (connected.ok()) {
        control = std::move(*connected);
        control->StartReading([](std::string_view) {}, [] {});
      }
    }
    return control;
  };
  if (options.forward_signals && (control || !control_target.empty())) {
    loop.OnSignals(kForwardedSignals, [&control_stream](int signo) {
      if (auto c = control_stream()) {
        c->SendText(json{{"command", "signal"}, {"signal", signo}}.dump());
      }
    });
    if (options.interactive) {
      int out_fd = io.out;
      loop.OnSignals({SIGWINCH}, [control, out_fd](int) {
        json msg = ResizeMessage(out_fd);
        if (!msg.is_null()) control->SendText(msg.dump());
      });
    }
  }

  std::vector<std::pair<std::shared_ptr<WebSocket>, int>> outputs;
  if (options.interactive) {
    outputs.emplace_back(in, io.out);
  } else {
    if (auto s = stream("1")) outputs.emplace_back(s, io.out);
    if (auto s = stream("2")) outputs.emplace_back(s, io.err);
  }
  size_t open_outputs = outputs.size();
  for (auto& [ws, fd] : outputs) {
    int out_fd = fd;
    ws->StartReading([out_fd](std::string_view data) { WriteAll(out_fd, data); },
                     [&open_outputs] { --open_outputs; });
  }
  if (control) control->StartReading([](std::string_view) {}, [] {});

  // stdin: read when it polls readable (a terminal, a pipe), or at once when
  // it cannot be polled (a file, /dev/null: reading never blocks).
  std::function<void()> pump;
  if (options.stdin_null) {
    if (!options.interactive) in->SendEnd();
  } else {
    pump = [&] {
      char buf[64 * 1024];
      ssize_t n;
      while ((n = ::read(io.in, buf, sizeof(buf))) < 0 && errno == EINTR) {
      }
      if (n <= 0) {
        if (!options.interactive) in->SendEnd();
        return;
      }
      in->SendBinary(std::string(buf, static_cast<size_t>(n)));
      loop.WhenReadable(io.in, pump);
    };
    loop.WhenReadable(io.in, pump);
  }
  loop.RunUntil([&] { return open_outputs == 0 && done.has_value(); });
  raw.reset();
  if (!done) return Error::Internal("exec: the event loop ended before the command");
  if (!done->ok()) return std::move(*done).error();

  ExecOutcome outcome;
  const json& final_op = **done;
  if (auto md = final_op.find("metadata"); md != final_op.end() && md->is_object()) {
    if (auto r = md->find("return"); r != md->end() && r->is_number_integer()) {
      outcome.return_code = r->get<int>();
    }
  }
  base::Status status = OperationOutcome(final_op);
  if (!status.ok()) outcome.error = status.error().message();
  return outcome;
}

}  // namespace nest::client
