#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "daemon/http/router.h"
#include "daemon/http/server.h"
#include "daemon/ops/events.h"
#include "daemon/ops/operations.h"
#include "daemon/ops/timestamp.h"

namespace nest::daemon::ops {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(TimestampTest, GoRfc3339Nano) {
  using std::chrono::system_clock;
  auto base = system_clock::from_time_t(1795914451);  // 2026-11-29T01:07:31Z
  EXPECT_EQ(FormatRfc3339Nano(base), "2026-11-29T01:07:31Z");
  EXPECT_EQ(FormatRfc3339Nano(base + std::chrono::nanoseconds(809061610)),
            "2026-11-29T01:07:31.80906161Z");
  EXPECT_EQ(FormatRfc3339Nano(base + std::chrono::nanoseconds(761254852)),
            "2026-11-29T01:07:31.761254852Z");
  std::string uuid = NewUuid();
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
  EXPECT_EQ(RandomHex(32).size(), 64u);
}

// Collects operation events for one id until a final status.
std::vector<json> OperationEvents(EventHub::Subscription& sub, const std::string& id) {
  std::vector<json> out;
  for (;;) {
    json e = sub.Next(2000);
    if (e.is_null()) return out;
    if (e["type"] != "operation" || e["metadata"]["id"] != id) continue;
    out.push_back(e);
    if (e["metadata"]["status_code"].get<int>() >= 200) return out;
  }
}

TEST(OperationTest, SuccessStateMachineAndEvents) {
  EventHub hub;
  OperationManager mgr(&hub);
  auto sub = hub.Subscribe({"operation"});
  auto op = mgr.Create("task", "Creating instance", {{"instances", {"/1.0/instances/c1"}}}, nullptr,
                       [](Operation& o) {
                         o.UpdateMetadata({{"progress", {{"percent", "50"}}}});
                         o.UpdateMetadata({{"return", 0}});
                         return base::Ok();
                       });
  json j = op->ToJson();
  EXPECT_EQ(j["status"], "Pending");
  EXPECT_EQ(j["status_code"], 105);
  EXPECT_EQ(j["class"], "task");
  EXPECT_EQ(j["metadata"], nullptr);
  EXPECT_EQ(j["location"], "none");
  EXPECT_EQ(j["may_cancel"], false);
  EXPECT_EQ(j["resources"]["instances"][0], "/1.0/instances/c1");
  EXPECT_EQ(j["created_at"], j["updated_at"]);
  mgr.Start(op);
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  EXPECT_EQ(op->status(), OpStatus::kSuccess);
  EXPECT_EQ(op->metadata()["progress"]["percent"], "50");
  EXPECT_EQ(op->metadata()["return"], 0);
  EXPECT_NE(op->ToJson()["updated_at"], j["created_at"]) << "a state change bumps updated_at";

  auto events = OperationEvents(*sub, op->id());
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0]["metadata"]["status"], "Pending");
  EXPECT_EQ(events[1]["metadata"]["status"], "Running");
  EXPECT_EQ(events[2]["metadata"]["metadata"]["progress"]["percent"], "50");
  EXPECT_EQ(events[3]["metadata"]["metadata"]["return"], 0);
  EXPECT_EQ(events[4]["metadata"]["status"], "Success");
  EXPECT_EQ(events[4]["metadata"]["status_code"], 200);
  EXPECT_EQ(events[4]["project"], "default");
  EXPECT_EQ(events[4]["location"], "none");
}

TEST(OperationTest, FailureSetsErr) {
  OperationManager mgr(nullptr);
  auto op = mgr.Create("task", "Starting instance", {}, nullptr, [](Operation&) -> base::Status {
    return base::Error::Conflict("The instance is already running");
  });
  mgr.Start(op);
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  json j = op->ToJson();
  EXPECT_EQ(j["status"], "Failure");
  EXPECT_EQ(j["status_code"], 400);
  EXPECT_EQ(j["err"], "The instance is already running");
}

TEST(OperationTest, ThrowingRunFails) {
  OperationManager mgr(nullptr);
  auto op = mgr.Create("task", "x", {}, nullptr,
                       [](Operation&) -> base::Status { throw std::runtime_error("boom"); });
  mgr.Start(op);
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  EXPECT_EQ(op->err(), "boom");
}

TEST(OperationTest, WaitTimesOutThenCompletes) {
  OperationManager mgr(nullptr);
  std::promise<void> release;
  auto released = release.get_future().share();
  auto op = mgr.Create("task", "x", {}, nullptr, [released](Operation&) {
    released.wait();
    return base::Ok();
  });
  mgr.Start(op);
  auto st = mgr.WaitDone(op, 100ms);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), base::ErrorKind::kUnavailable);
  EXPECT_EQ(op->status(), OpStatus::kRunning);
  release.set_value();
  EXPECT_TRUE(mgr.WaitDone(op, 5s).ok());
}

TEST(OperationTest, CancelAndExpiry) {
  OperationManager mgr(nullptr, 100ms);
  auto plain = mgr.Create("task", "x", {}, nullptr, nullptr);
  auto st = mgr.Cancel(plain);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), base::ErrorKind::kInvalid);
  EXPECT_EQ(st.error().message(), "This operation can't be cancelled");

  std::promise<void> release;
  auto released = release.get_future().share();
  auto op = mgr.Create(
      "task", "x", {}, nullptr,
      [released](Operation&) {
        released.wait();
        return base::Error::Internal("interrupted");
      },
      [&release](Operation&) {
        release.set_value();
        return base::Ok();
      });
  EXPECT_EQ(op->ToJson()["may_cancel"], true);
  mgr.Start(op);
  ASSERT_TRUE(mgr.Cancel(op).ok());
  EXPECT_TRUE(op->cancel_requested());
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  std::this_thread::sleep_for(50ms);  // the run thread's failure must not override
  EXPECT_EQ(op->ToJson()["status"], "Cancelled");
  EXPECT_EQ(op->ToJson()["status_code"], 401);

  EXPECT_TRUE(mgr.Get(op->id()).ok());
  std::this_thread::sleep_for(150ms);
  auto gone = mgr.Get(op->id());
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), base::ErrorKind::kNotFound);
  EXPECT_TRUE(mgr.Get(plain->id()).ok());  // still pending, kept
}

// Finished operations are forgotten by when they finished, not when they were
// made, and each only once its own keep_done has passed.
TEST(OperationTest, ExpiryFollowsTheOrderOperationsFinish) {
  OperationManager mgr(nullptr, 300ms);
  auto first = mgr.Create("token", "made first", {}, nullptr, nullptr);
  auto second = mgr.Create("token", "made second", {}, nullptr, nullptr);
  mgr.Hold(first);
  mgr.Hold(second);
  mgr.Complete(*second, base::Ok());
  std::this_thread::sleep_for(200ms);
  mgr.Complete(*first, base::Ok());
  std::this_thread::sleep_for(150ms);  // second done 350 ms ago, first 150 ms ago
  EXPECT_EQ(mgr.Get(second->id()).error().kind(), base::ErrorKind::kNotFound);
  EXPECT_TRUE(mgr.Get(first->id()).ok());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(mgr.Get(first->id()).error().kind(), base::ErrorKind::kNotFound);
  EXPECT_TRUE(mgr.List().empty());
}

TEST(OperationTest, HeldRunsWithoutThreadUntilCompleteOrCancel) {
  EventHub hub;
  OperationManager mgr(&hub);
  auto sub = hub.Subscribe({"operation"});
  auto used = mgr.Create("token", "held", {}, json{{"secret", "s"}}, nullptr,
                         [](Operation&) { return base::Ok(); });
  mgr.Hold(used);
  EXPECT_EQ(used->status(), OpStatus::kRunning);
  EXPECT_FALSE(used->WaitDone(50ms));  // no thread ends it
  mgr.Hold(used);                      // not Pending: unchanged
  mgr.Complete(*used, base::Ok());
  EXPECT_EQ(used->status(), OpStatus::kSuccess);
  EXPECT_EQ(used->metadata()["secret"], "s");
  mgr.Complete(*used, base::Error::Internal("late"));  // already done: kept
  EXPECT_EQ(used->status(), OpStatus::kSuccess);
  EXPECT_EQ(used->err(), "");
  auto events = OperationEvents(*sub, used->id());
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back()["metadata"]["status"], "Success");

  auto cancelled =
      mgr.Create("token", "held", {}, nullptr, nullptr, [](Operation&) { return base::Ok(); });
  mgr.Hold(cancelled);
  ASSERT_TRUE(mgr.Cancel(cancelled).ok());
  EXPECT_EQ(cancelled->status(), OpStatus::kCancelled);
  EXPECT_EQ(mgr.Cancel(cancelled).error().kind(), base::ErrorKind::kConflict);

  auto failed = mgr.Create("token", "held", {}, nullptr, nullptr);
  mgr.Hold(failed);
  mgr.Complete(*failed, base::Error::Invalid("expired"));
  EXPECT_EQ(failed->status(), OpStatus::kFailure);
  EXPECT_EQ(failed->err(), "expired");
}

TEST(OperationTest, ConcludedWhileTheRunFunctionTidiesUp) {
  EventHub hub;
  OperationManager mgr(&hub);
  auto sub = hub.Subscribe({"operation"});
  std::promise<void> tidy;
  auto tidied = tidy.get_future();
  auto op =
      mgr.Create("websocket", "exec", {}, json{{"command", {"true"}}}, [&tidied](Operation& self) {
        self.Conclude(base::Ok(), {{"return", 7}});
        tidied.wait();  // closing streams, say
        return base::Error::Internal("ignored: already concluded");
      });
  mgr.Start(op);
  ASSERT_TRUE(op->WaitDone(5s));  // answered before the run function returns
  EXPECT_EQ(op->status(), OpStatus::kSuccess);
  EXPECT_EQ(op->metadata()["return"], 7);
  EXPECT_EQ(op->metadata()["command"], json::array({"true"}));
  tidy.set_value();
  auto events = OperationEvents(*sub, op->id());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["metadata"]["status"], "Success");
  EXPECT_EQ(events.back()["metadata"]["metadata"]["return"], 7);
  EXPECT_EQ(op->err(), "");

  auto failed = mgr.Create("task", "exec", {}, nullptr, [](Operation& self) {
    self.Conclude(base::Error::Invalid("Command not found"), {{"return", 127}});
    return base::Ok();
  });
  mgr.Start(failed);
  ASSERT_TRUE(failed->WaitDone(5s));
  EXPECT_EQ(failed->status(), OpStatus::kFailure);
  EXPECT_EQ(failed->err(), "Command not found");
  EXPECT_EQ(failed->metadata()["return"], 127);
}

TEST(OperationTest, Routes) {
  OperationManager mgr(nullptr);
  http::Router router;
  mgr.RegisterRoutes(router);
  std::promise<void> release;
  auto released = release.get_future().share();
  auto running = mgr.Create("task", "Executing command", {}, nullptr, [released](Operation&) {
    released.wait();
    return base::Ok();
  });
  mgr.Start(running);
  auto done = mgr.Create("task", "Creating instance", {}, nullptr, nullptr);
  mgr.Start(done);
  ASSERT_TRUE(mgr.WaitDone(done, 5s).ok());

  auto call = [&](std::string method, std::string path,
                  std::map<std::string, std::string> query = {}) {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    return router.Dispatch(r);
  };
  json list = call("GET", "/1.0/operations").Json();
  EXPECT_EQ(list["metadata"]["running"], json::array({running->url()}));
  EXPECT_EQ(list["metadata"]["success"], json::array({done->url()}));
  json rec = call("GET", "/1.0/operations", {{"recursion", "1"}}).Json();
  EXPECT_EQ(rec["metadata"]["running"][0]["id"], running->id());

  http::Response missing = call("GET", "/1.0/operations/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(missing.status(), 404);
  EXPECT_EQ(missing.body(),
            R"({"type":"error","status":"","status_code":0,"operation":"","error_code":404,)"
            R"("error":"Operation not found","metadata":null})");

  json got = call("GET", "/1.0/operations/" + done->id()).Json();
  EXPECT_EQ(got["metadata"]["status"], "Success");

  // wait with a timeout on a running op: the current state in a sync envelope.
  http::Response waited = call("GET", running->url() + "/wait", {{"timeout", "0"}});
  EXPECT_EQ(waited.status(), 200);
  EXPECT_EQ(waited.Json()["metadata"]["status"], "Running");

  http::Response cancel = call("DELETE", running->url());
  EXPECT_EQ(cancel.status(), 400);
  EXPECT_EQ(cancel.Json()["error"], "This operation can't be cancelled");

  std::thread releaser([&] {
    std::this_thread::sleep_for(100ms);
    release.set_value();
  });
  http::Response final_state = call("GET", running->url() + "/wait", {{"timeout", "-1"}});
  releaser.join();
  EXPECT_EQ(final_state.Json()["metadata"]["status"], "Success");

  http::Response async = AsyncResponse(*done);
  EXPECT_EQ(async.status(), 202);
  EXPECT_EQ(async.Json()["operation"], done->url());
}

TEST(OperationTest, WebSocketSecrets) {
  OperationManager mgr(nullptr);
  http::Router router;
  mgr.RegisterRoutes(router);
  auto op = mgr.Create("websocket", "Executing command", {}, json{{"command", {"true"}}}, nullptr);
  std::string s0 = op->AddWebSocket("0");
  std::string sc = op->AddWebSocket("control");
  EXPECT_EQ(s0.size(), 64u);
  EXPECT_NE(s0, sc);
  json md = op->metadata();
  EXPECT_EQ(md["fds"]["0"], s0);
  EXPECT_EQ(md["fds"]["control"], sc);
  EXPECT_EQ(md["command"][0], "true");
  EXPECT_EQ(op->MatchSecret(sc), "control");
  EXPECT_EQ(op->MatchSecret("nope"), "");
  op->SetConnectHandler([](const std::string&, http::WebSocket&) {});

  http::Request r;
  r.method = "GET";
  r.path = op->url() + "/websocket";
  r.query = {{"secret", "bad"}};
  EXPECT_EQ(router.Dispatch(r).status(), 403);
  r.query = {{"secret", s0}};
  EXPECT_TRUE(router.Dispatch(r).is_upgrade());
}

// A finished operation keeps its state, not what its body held (an exec's
// pipes, pidfd and session): those go as the body returns, not when the
// operation is forgotten, seconds later.
TEST(OperationTest, AFinishedOperationDropsItsBodyAndConnectHandler) {
  OperationManager mgr(nullptr, /*keep_done=*/1h);
  http::Router router;
  mgr.RegisterRoutes(router);
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> body_held = held, handler_held = held;
  auto op = mgr.Create("websocket", "Executing command", {}, nullptr,
                       [held](Operation&) { return base::Ok(); });
  std::string secret = op->AddWebSocket("0");
  op->SetConnectHandler([held](const std::string&, http::WebSocket&) {});
  held.reset();
  mgr.Start(op);
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  EXPECT_EQ(op->status(), OpStatus::kSuccess);
  EXPECT_TRUE(body_held.expired());
  EXPECT_TRUE(handler_held.expired());
  ASSERT_TRUE(mgr.Get(op->id()).ok()) << "still listed until keep_done";

  // A client connecting now is told why, as LXD tells it.
  http::Request r;
  r.method = "GET";
  r.path = op->url() + "/websocket";
  r.query = {{"secret", secret}};
  http::Response late = router.Dispatch(r);
  EXPECT_FALSE(late.is_upgrade());
  EXPECT_EQ(late.Json()["error"], "Only running operations can be connected");
}

TEST(OperationTest, AnExecutorChoosesTheThreadOfTheBody) {
  OperationManager mgr(nullptr);
  std::thread::id body_thread;
  std::thread runner;
  auto op = mgr.Create("task", "Executing command", {}, nullptr, [&](Operation&) {
    body_thread = std::this_thread::get_id();
    return base::Ok();
  });
  mgr.Start(op, [&runner](std::function<void()> task) { runner = std::thread(std::move(task)); });
  ASSERT_TRUE(mgr.WaitDone(op, 5s).ok());
  std::thread::id runner_id = runner.get_id();
  runner.join();
  EXPECT_EQ(op->status(), OpStatus::kSuccess);
  EXPECT_EQ(body_thread, runner_id);
}

TEST(EventHubTest, FiltersLifecycleShapeAndDropsSlowSubscriber) {
  EventHub hub;
  auto lifecycle = hub.Subscribe({"lifecycle"});
  auto all = hub.Subscribe({});
  hub.Publish("logging", {{"message", "hello"}, {"level", "debug"}, {"context", json::object()}});
  hub.PublishLifecycle("instance-started", "/1.0/instances/c1", {},
                       {{"username", "root"}, {"protocol", "unix"}, {"address", "@"}});
  hub.PublishLifecycle("instance-file-pushed", "/1.0/instances/c1", {{"path", "/tmp/x"}});

  json e = lifecycle->Next(1000);
  EXPECT_EQ(e["type"], "lifecycle");
  EXPECT_EQ(e["metadata"],
            json({{"action", "instance-started"},
                  {"source", "/1.0/instances/c1"},
                  {"requestor", {{"username", "root"}, {"protocol", "unix"}, {"address", "@"}}}}));
  EXPECT_EQ(e["project"], "default");
  EXPECT_EQ(e["location"], "none");
  EXPECT_TRUE(e["timestamp"].is_string());
  e = lifecycle->Next(1000);
  EXPECT_EQ(e["metadata"]["context"]["path"], "/tmp/x");

  json l = all->Next(1000);
  EXPECT_EQ(l["type"], "logging");
  EXPECT_FALSE(l.contains("project"));

  // `all` is not drained: it overflows and is dropped; Publish never blocks.
  for (size_t i = 0; i < EventHub::kMaxQueued + 1; ++i) hub.Publish("lifecycle", {{"i", i}});
  EXPECT_TRUE(all->dropped());
  EXPECT_EQ(hub.subscriber_count(), 0u);  // both overflowed and were dropped
  EXPECT_TRUE(lifecycle->dropped());
}

TEST(EventHubTest, WebSocketSubscriptionEndToEnd) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  EventHub hub;
  OperationManager mgr(&hub);
  http::Router router;
  hub.RegisterRoutes(router);
  mgr.RegisterRoutes(router);
  std::string path = (std::filesystem::temp_directory_path() /
                      ("nest-ops-test-" + std::to_string(::getpid()) + ".socket"))
                         .string();
  http::Server server(router);
  ASSERT_TRUE(server.Listen(path).ok());
  std::thread runner([&] { server.Run(); });

  asio::io_context ioc;
  asio::local::stream_protocol::socket sock(ioc);
  sock.connect(asio::local::stream_protocol::endpoint(path));
  beast::websocket::stream<asio::local::stream_protocol::socket> ws(std::move(sock));
  ws.handshake("nest", "/1.0/events?type=operation,lifecycle");
  for (int i = 0; i < 200 && hub.subscriber_count() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(hub.subscriber_count(), 1u);

  hub.Publish("logging", {{"message", "ignored"}});
  hub.PublishLifecycle("instance-started", "/1.0/instances/c1");
  auto op = mgr.Create("task", "Starting instance", {}, nullptr, nullptr);
  mgr.Start(op);

  std::vector<json> got;
  beast::flat_buffer buf;
  while (got.size() < 4) {
    buf.clear();
    ws.read(buf);
    EXPECT_TRUE(ws.got_text());
    std::string frame = beast::buffers_to_string(buf.data());
    ASSERT_FALSE(frame.empty());
    EXPECT_EQ(frame.back(), '\n');
    got.push_back(json::parse(frame));
  }
  EXPECT_EQ(got[0]["type"], "lifecycle");
  EXPECT_EQ(got[0]["metadata"]["action"], "instance-started");
  EXPECT_EQ(got[1]["metadata"]["status"], "Pending");
  EXPECT_EQ(got[2]["metadata"]["status"], "Running");
  EXPECT_EQ(got[3]["metadata"]["status"], "Success");
  EXPECT_EQ(got[3]["metadata"]["id"], op->id());

  ws.close(beast::websocket::close_code::normal);
  for (int i = 0; i < 200 && hub.subscriber_count() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hub.subscriber_count(), 0u);
  mgr.Shutdown();
  server.Stop();
  runner.join();
}

}  // namespace
}  // namespace nest::daemon::ops
