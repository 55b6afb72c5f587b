#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "client/connection.h"
#include "client/exec.h"
#include "client/fake_lxd.h"
#include "client/image_secret.h"
#include "client/operations.h"
#include "client/remotes.h"

namespace nest::client {
namespace {

using base::ErrorKind;
using nlohmann::json;
using testing::Async;
using testing::Err;
using testing::FakeLxd;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeWs;
using testing::Sync;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nest-client-test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

json Operation(const std::string& id, int status_code, json metadata, std::string err = "") {
  return {{"id", id},
          {"class", "task"},
          {"status", status_code == 200   ? "Success"
                     : status_code >= 400 ? "Failure"
                                          : "Running"},
          {"status_code", status_code},
          {"metadata", std::move(metadata)},
          {"err", std::move(err)}};
}

std::string ReadAllFd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(ConnectionTest, SyncReturnsMetadataAndEtag) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), [](const FakeRequest& r) -> FakeReply {
    if (r.method == "GET" && r.target == "/1.0")
      return Sync({{"config", json::object()}}, "\"abc\"");
    return Err(404, "not found");
  });
  Connection conn(server.socket_path());
  std::string etag;
  auto md = conn.Get("/1.0", &etag);
  ASSERT_TRUE(md.ok()) << md.error().message();
  EXPECT_TRUE((*md)["config"].is_object());
  EXPECT_EQ(etag, "\"abc\"");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers["host"], "unix.socket");
}

TEST(ConnectionTest, ErrorsCarryServerTextAndKind) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), [](const FakeRequest& r) -> FakeReply {
    if (r.target == "/1.0/instances/nope") return Err(404, "Instance not found");
    if (r.method == "PUT") return Err(412, "ETag doesn't match: a vs b");
    if (r.method == "POST") return Err(400, "bad");
    if (r.method == "PATCH") return Err(409, "exists");
    if (r.method == "DELETE") return Err(403, "no");
    return Err(500, "boom");
  });
  Connection conn(server.socket_path());
  auto r = conn.Get("/1.0/instances/nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message(), "Instance not found");
  EXPECT_EQ(conn.Put("/1.0/instances/c1", json::object(), {{"If-Match", "\"b\""}}).error().kind(),
            ErrorKind::kPrecondition);
  EXPECT_EQ(server.requests().back().headers["if-match"], "\"b\"");
  EXPECT_EQ(conn.Post("/x", json::object()).error().kind(), ErrorKind::kInvalid);
  EXPECT_EQ(conn.Patch("/x", json::object()).error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(conn.Delete("/x").error().kind(), ErrorKind::kForbidden);
  EXPECT_EQ(conn.Get("/x").error().kind(), ErrorKind::kInternal);
}

TEST(ConnectionTest, AsyncReturnsOperationAndWaitReportsFailure) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), [](const FakeRequest& r) -> FakeReply {
    if (r.method == "POST") return Async(Operation("op1", 103, nullptr));
    if (r.target == "/1.0/operations/op1/wait?timeout=-1") {
      return Sync(Operation("op1", 400, nullptr, "This \"instances\" entry already exists"));
    }
    return Err(404, "Operation not found");
  });
  Connection conn(server.socket_path());
  auto op = conn.Post("/1.0/instances", {{"name", "c1"}});
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(OperationId(*op), "op1");
  EXPECT_EQ(OperationId(json("/1.0/operations/op1")), "op1");
  auto waited = WaitOperation(conn, "/1.0/operations/op1");
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().message(), "This \"instances\" entry already exists");
  auto final_op = WaitOperationFinal(conn, "op1");
  ASSERT_TRUE(final_op.ok());
  EXPECT_EQ((*final_op)["status_code"], 400);
  auto missing = WaitOperation(conn, "op2");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
}

TEST(ConnectionTest, UnreachableSocketIsActionable) {
  TempDir dir;
  Connection conn(dir.Path("missing.socket"));
  auto r = conn.Get("/1.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().message(), "cannot reach nestd at " + dir.Path("missing.socket") +
                                     " (No such file or directory): is it running? Start it "
                                     "with \"nestd --detach\"");
  EXPECT_NE(UnreachableMessage("/s", EACCES).find("run as root or join the group nest"),
            std::string::npos);
}

TEST(ConnectionTest, DefaultSocketPathFollowsEnvironment) {
  ::unsetenv("NEST_SOCKET");
  ::setenv("NEST_DIR", "/tmp/x", 1);
  EXPECT_EQ(DefaultSocketPath(), "/tmp/x/unix.socket");
  ::setenv("NEST_SOCKET", "/run/n.sock", 1);
  EXPECT_EQ(DefaultSocketPath(), "/run/n.sock");
  ::unsetenv("NEST_SOCKET");
  ::unsetenv("NEST_DIR");
  EXPECT_EQ(DefaultSocketPath(), "/var/lib/nest/unix.socket");
}

TEST(RemotesTest, ImageSources) {
  Remotes remotes = Remotes::Default();
  EXPECT_EQ(remotes.ImageSource("builtin:busybox").value(), json({{"type", "image"},
                                                                  {"alias", "busybox"},
                                                                  {"server", "builtin"},
                                                                  {"protocol", "builtin"}}));
  EXPECT_EQ(remotes.ImageSource("builtin:debian/bookworm").value()["alias"], "debian/bookworm");
  EXPECT_EQ(remotes.ImageSource("local:web").value(), json({{"type", "image"}, {"alias", "web"}}));
  EXPECT_EQ(remotes.ImageSource("web").value(), json({{"type", "image"}, {"alias", "web"}}));
  EXPECT_EQ(remotes.ImageSource("082aca5d6c78").value(),
            json({{"type", "image"}, {"fingerprint", "082aca5d6c78"}}));
  EXPECT_EQ(remotes.ImageSource("082aca5d6c7").value().count("alias"), 1u);
  auto bad = remotes.ImageSource("images:debian/12");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "unknown remote \"images\" (known: builtin, local)");
  EXPECT_FALSE(remotes.ImageSource("local:").ok());
}

TEST(ExecTest, RequestBodyMatchesLxc) {
  ExecOptions o;
  o.command = {"sh", "-c", "true"};
  o.environment = {{"TERM", "xterm"}};
  o.interactive = true;
  o.width = 80;
  o.height = 24;
  json body = ExecRequestBody(o);
  EXPECT_EQ(body, json::parse(R"({"command":["sh","-c","true"],"wait-for-websocket":true,
    "interactive":true,"environment":{"TERM":"xterm"},"width":80,"height":24,
    "record-output":false,"user":0,"group":0,"cwd":""})"));
}

// The fake's exec: echoes stdin back on stdout after "got:", writes "err\n" on
// stderr and returns 7.
class FakeExec {
 public:
  FakeReply Http(const FakeRequest& r) {
    if (r.method == "POST" && r.target == "/1.0/instances/c1/exec") {
      body = json::parse(r.body);
      json md = {{"fds", {{"0", "s0"}, {"1", "s1"}, {"2", "s2"}, {"control", "sc"}}}};
      json op = Operation("ex", 103, md);
      op["class"] = "websocket";
      return Async(op);
    }
    if (r.target == "/1.0/operations/ex/wait?timeout=-1") {
      return Sync(Operation("ex", 200, {{"return", 7}}));
    }
    if (r.target == "/1.0/instances/c2/exec") {
      return Async(Operation("nf", 103, {{"fds", {{"0", "s0"}, {"1", "s1"}, {"2", "s2"}}}}));
    }
    if (r.target == "/1.0/operations/nf/wait?timeout=-1") {
      return Sync(Operation("nf", 400, {{"return", 127}}, "Command not found"));
    }
    return Err(404, "Instance not found");
  }

  void Ws(const std::string& target, FakeWs& ws) {
    std::string data;
    bool text = false;
    if (target.ends_with("secret=s0")) {
      std::string in;
      while (ws.Read(&data, &text) && !(text && data.empty())) in += data;
      std::lock_guard lock(mu);
      stdin_data = in;
      stdin_done = true;
      cv.notify_all();
    } else if (target.ends_with("secret=s1")) {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return stdin_done; })) return;
      ws.Write("got:" + stdin_data, false);
      ws.Write("", true);
    } else if (target.ends_with("secret=s2")) {
      ws.Write("err\n", false);
      ws.Write("", true);
    } else if (target.ends_with("secret=sc")) {
      while (ws.Read(&data, &text)) {
      }
    }
  }

  json body;
  std::mutex mu;
  std::condition_variable cv;
  std::string stdin_data;
  bool stdin_done = false;
};

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (fds[0] >= 0) ::close(fds[0]);
    fds[0] = -1;
  }
  void CloseWrite() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

TEST(ExecTest, PumpsStreamsAndReturnsExitCode) {
  TempDir dir;
  FakeExec fake;
  FakeLxd server(
      dir.Path("s"), [&](const FakeRequest& r) { return fake.Http(r); },
      [&](const std::string& t, FakeWs& ws) { fake.Ws(t, ws); });
  Pipe in, out, err;
  ASSERT_EQ(::write(in.fds[1], "typed\n", 6), 6);
  in.CloseWrite();

  Connection conn(server.socket_path());
  ExecOptions o;
  o.command = {"cat"};
  auto outcome = Exec(conn, "c1", o, {in.fds[0], out.fds[1], err.fds[1]});
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->return_code, 7);
  EXPECT_EQ(outcome->error, "");
  out.CloseWrite();
  err.CloseWrite();
  EXPECT_EQ(ReadAllFd(out.fds[0]), "got:typed\n");
  EXPECT_EQ(ReadAllFd(err.fds[0]), "err\n");
  EXPECT_EQ(fake.body["command"], json({"cat"}));
  EXPECT_EQ(fake.body["wait-for-websocket"], true);
}

TEST(ExecTest, StdinNullSendsEndAtOnceAndFailureKeepsReturn) {
  TempDir dir;
  FakeExec fake;
  FakeLxd server(
      dir.Path("s"), [&](const FakeRequest& r) { return fake.Http(r); },
      [&](const std::string& t, FakeWs& ws) { fake.Ws(t, ws); });
  Pipe out, err;
  Connection conn(server.socket_path());
  ExecOptions o;
  o.command = {"nope"};
  o.stdin_null = true;
  auto outcome = Exec(conn, "c2", o, {-1, out.fds[1], err.fds[1]});
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->return_code, 127);
  EXPECT_EQ(outcome->error, "Command not found");
  out.CloseWrite();
  EXPECT_EQ(ReadAllFd(out.fds[0]), "got:");
}

TEST(ExecTest, InteractiveEchoesAndForwardsSignals) {
  // Only the thread running Exec (which unblocks the signals it forwards while
  // it runs) may take SIGUSR1; the fake server's threads inherit the block.
  sigset_t usr1, saved;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, &saved), 0);
  struct Restore {
    sigset_t mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{saved};
  TempDir dir;
  std::mutex mu;
  std::condition_variable cv;
  std::string control_msg;
  json body;
  FakeLxd server(
      dir.Path("s"),
      [&](const FakeRequest& r) -> FakeReply {
        if (r.method == "POST") {
          body = json::parse(r.body);
          return Async(Operation("it", 103, {{"fds", {{"0", "s0"}, {"control", "sc"}}}}));
        }
        if (r.target == "/1.0/operations/it/wait?timeout=-1") {
          return Sync(Operation("it", 200, {{"return", 130}}));
        }
        return Err(404, "not found");
      },
      [&](const std::string& target, FakeWs& ws) {
        std::string data;
        bool text = false;
        if (target.ends_with("secret=sc")) {
          while (ws.Read(&data, &text)) {
            std::lock_guard lock(mu);
            control_msg = data;
            cv.notify_all();
          }
          return;
        }
        if (!ws.Read(&data, &text)) return;
        ws.Write("echo:" + data, false);
        ::kill(::getpid(), SIGUSR1);
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return !control_msg.empty(); });
        ws.Write("", true);
      });
  Pipe in, out;
  ASSERT_EQ(::write(in.fds[1], "hi", 2), 2);
  Connection conn(server.socket_path());
  ExecOptions o;
  o.command = {"sh"};
  o.interactive = true;
  o.forward_signals = true;
  auto outcome = Exec(conn, "c1", o, {in.fds[0], out.fds[1], -1});
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->return_code, 130);
  in.CloseWrite();
  out.CloseWrite();
  EXPECT_EQ(ReadAllFd(out.fds[0]), "echo:hi");
  EXPECT_EQ(json::parse(control_msg), json({{"command", "signal"}, {"signal", SIGUSR1}}));
  EXPECT_EQ(body["interactive"], true);
}

TEST(ExecTest, UnknownInstanceIsAnError) {
  TempDir dir;
  FakeExec fake;
  FakeLxd server(dir.Path("s"), [&](const FakeRequest& r) { return fake.Http(r); });
  Connection conn(server.socket_path());
  ExecOptions o;
  o.command = {"true"};
  auto outcome = Exec(conn, "zz", o);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message(), "Instance not found");
}

// A source server with a public image "pub" and a private one "priv".
FakeReply SecretSource(const FakeRequest& r) {
  const std::string pub(64, 'a'), priv(64, 'b');
  if (r.method == "GET" && r.target == "/1.0/images/aliases/pub") return Sync({{"target", pub}});
  if (r.method == "GET" && r.target == "/1.0/images/aliases/priv") return Sync({{"target", priv}});
  if (r.method == "GET" && r.target == "/1.0/images/" + pub)
    return Sync({{"fingerprint", pub}, {"public", true}});
  if (r.method == "GET" && r.target.rfind("/1.0/images/bbbb", 0) == 0)
    return Sync({{"fingerprint", priv}, {"public", false}});
  if (r.method == "POST" && r.target == "/1.0/images/" + priv + "/secret") {
    json op = Operation("op1", 103, {{"secret", "s3cr3t"}});
    op["class"] = "token";
    return Async(op);
  }
  return Err(404, "not found");
}

TEST(ImageSecretTest, PublicOrUnseenImagesNeedNone) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), SecretSource);
  Connection conn(server.socket_path());
  auto pub = RequestImageSecret(conn, {{"type", "image"}, {"alias", "pub"}});
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  EXPECT_FALSE(pub->has_value());
  auto missing = RequestImageSecret(conn, {{"alias", "nosuch"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  for (const auto& r : server.requests()) EXPECT_EQ(r.method, "GET") << r.target;
}

TEST(ImageSecretTest, PrivateImageGetsASecretAndIsPulledByFingerprint) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), SecretSource);
  Connection conn(server.socket_path());
  json source = {{"type", "image"}, {"mode", "pull"}, {"alias", "priv"}, {"server", "https://x"}};
  auto got = RequestImageSecret(conn, source);
  ASSERT_TRUE(got.ok()) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->fingerprint, std::string(64, 'b'));
  EXPECT_EQ((*got)->secret, "s3cr3t");
  EXPECT_EQ((*got)->operation, "/1.0/operations/op1");
  json pull = WithImageSecret(source, **got);
  EXPECT_FALSE(pull.contains("alias"));
  EXPECT_EQ(pull["fingerprint"], std::string(64, 'b'));
  EXPECT_EQ(pull["secret"], "s3cr3t");
  EXPECT_EQ(pull["server"], "https://x");
  // A fingerprint prefix works too.
  auto by_fp = RequestImageSecret(conn, {{"fingerprint", "bbbbbbbbbbbb"}});
  ASSERT_TRUE(by_fp.ok() && by_fp->has_value());
  EXPECT_EQ((*by_fp)->fingerprint, std::string(64, 'b'));
}

TEST(ImageSecretTest, RefusedSecretIsAnError) {
  TempDir dir;
  FakeLxd server(dir.Path("s"), [](const FakeRequest& r) -> FakeReply {
    if (r.method == "POST") return Err(403, "not authorized");
    return Sync({{"fingerprint", std::string(64, 'c')}, {"public", false}});
  });
  Connection conn(server.socket_path());
  auto got = RequestImageSecret(conn, {{"fingerprint", std::string(64, 'c')}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), ErrorKind::kForbidden);
  EXPECT_NE(got.error().message().find("asking for a secret for private image cccccccccccc"),
            std::string::npos)
      << got.error().message();
}

TEST(ImageSecretTest, OnlyPrivateHttpsLxdRemotesMayNeedOne) {
  EXPECT_TRUE(MayNeedImageSecret({"peer", "lxd", "https://127.0.0.1:8443", false, ""}));
  EXPECT_FALSE(MayNeedImageSecret({"peer", "lxd", "https://127.0.0.1:8443", true, ""}));
  EXPECT_FALSE(MayNeedImageSecret({"peer", "lxd", "unix:///var/lib/nest/unix.socket", false, ""}));
  EXPECT_FALSE(MayNeedImageSecret({"lab", "simplestreams", "https://h", true, ""}));
}

}  // namespace
}  // namespace nest::client
