#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/names.h"
#include "client/fake_lxd.h"

namespace nest::cli {
namespace {

using client::testing::Async;
using client::testing::Err;
using client::testing::FakeLxd;
using client::testing::FakeReply;
using client::testing::FakeRequest;
using client::testing::Sync;
using nlohmann::json;

// The requests a command made, without the /1.0/events websocket that waiting
// with progress opens first (the fake answers it 404: the CLI then polls).
std::vector<FakeRequest> ApiRequests(const FakeLxd& server) {
  std::vector<FakeRequest> out;
  for (const FakeRequest& r : server.requests()) {
    if (!r.target.starts_with("/1.0/events")) out.push_back(r);
  }
  return out;
}

TEST(LaunchTest, BuiltinImageRequest) {
  LaunchOptions o;
  o.image = "builtin:busybox";
  o.name = "c1";
  o.config = {"security.nesting=true", "limits.memory=512MiB"};
  auto body = InstancesPost(o, client::Remotes::Default());
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(*body, json::parse(R"({"name":"c1","type":"container",
    "source":{"type":"image","alias":"busybox","server":"builtin","protocol":"builtin"},
    "config":{"security.nesting":"true","limits.memory":"512MiB"},"devices":{},
    "ephemeral":false,"start":true})"));
  EXPECT_FALSE(body->contains("profiles"));
}

TEST(PublishTest, ImagesPostWithAnInstanceSource) {
  PublishOptions o;
  o.instance = "c1";
  o.aliases = {"mine", "also"};
  o.properties = {"os=busybox", "description=a b=c"};
  o.is_public = true;
  auto body = PublishPost(o);
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(*body, json::parse(R"({"source":{"type":"container","name":"c1"},"public":true,
    "properties":{"os":"busybox","description":"a b=c"},
    "aliases":[{"name":"mine","description":""},{"name":"also","description":""}]})"));
  o.properties = {"novalue"};
  EXPECT_FALSE(PublishPost(o).ok());
}

TEST(CopyTest, InstancesPostFromTheSource) {
  json source = json::parse(R"({"name":"c1","config":{"limits.memory":"1GiB",
    "volatile.base_image":"abc","volatile.apply_template":"create","volatile.storage.driver":"dir"},
    "devices":{"eth0":{"type":"nic"}},"profiles":["default"],"ephemeral":false,
    "description":"web"})");
  CopyOptions o;
  o.source = "c1";
  o.target = "c2";
  o.config = {"user.x=1", "limits.memory=2GiB"};
  o.profiles = {"extra"};
  auto body = CopyPost(o, source);
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(*body, json::parse(R"({"name":"c2","type":"container",
    "source":{"type":"copy","source":"c1","instance_only":true,"base-image":"abc"},
    "config":{"limits.memory":"2GiB","user.x":"1","volatile.base_image":"abc"},
    "devices":{"eth0":{"type":"nic"}},"profiles":["default","extra"],
    "ephemeral":false,"description":"web"})"));
  o.no_profiles = true;
  o.ephemeral = true;
  body = CopyPost(o, source);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["profiles"], json::parse(R"(["extra"])"));
  EXPECT_EQ((*body)["ephemeral"], true);
  o.profiles.clear();
  body = CopyPost(o, source);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["profiles"], json::array());
  o.target = "2bad";
  EXPECT_FALSE(CopyPost(o, source).ok());
  o.target = "c2";
  o.config = {"novalue"};
  EXPECT_FALSE(CopyPost(o, source).ok());
}

TEST(LaunchTest, ProfilesEphemeralAndInit) {
  LaunchOptions o;
  o.image = "web";
  o.name = "c2";
  o.profiles = {"default", "docker"};
  o.ephemeral = true;
  o.start = false;
  auto body = InstancesPost(o, client::Remotes::Default());
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["profiles"], json({"default", "docker"}));
  EXPECT_EQ((*body)["source"], json({{"type", "image"}, {"alias", "web"}}));
  EXPECT_EQ((*body)["ephemeral"], true);
  EXPECT_EQ((*body)["start"], false);
}

TEST(LaunchTest, Errors) {
  LaunchOptions o;
  o.image = "images:debian/12";
  o.name = "c1";
  auto bad = InstancesPost(o, client::Remotes::Default());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "image images:debian/12: unknown remote \"images\" (known: builtin, local)");
  o.image = "busybox";
  o.name = "1bad";
  EXPECT_FALSE(InstancesPost(o, client::Remotes::Default()).ok());
  o.name = "c1";
  o.config = {"novalue"};
  EXPECT_FALSE(InstancesPost(o, client::Remotes::Default()).ok());
}

TEST(NamesTest, GeneratedNamesAreValidHostnames) {
  for (int i = 0; i < 200; ++i) {
    std::string n = RandomInstanceName();
    EXPECT_TRUE(IsValidInstanceName(n)) << n;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << n;
  }
  EXPECT_FALSE(IsValidInstanceName(""));
  EXPECT_FALSE(IsValidInstanceName("-a"));
  EXPECT_FALSE(IsValidInstanceName("a-"));
  EXPECT_FALSE(IsValidInstanceName("a_b"));
  EXPECT_FALSE(IsValidInstanceName(std::string(64, 'a')));
  EXPECT_TRUE(IsValidInstanceName("web-01"));
}

TEST(ConfigTest, SetDisambiguation) {
  auto s = ParseConfigSet({"images.auto_update_interval", "6"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "");
  EXPECT_EQ(s->values.at("images.auto_update_interval"), "6");

  s = ParseConfigSet({"images.auto_update_interval=6"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "");
  EXPECT_EQ(s->values.at("images.auto_update_interval"), "6");

  s = ParseConfigSet({"a=1", "b=2"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "");
  EXPECT_EQ(s->values.size(), 2u);

  s = ParseConfigSet({"c1", "limits.memory", "512MiB"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "c1");
  EXPECT_EQ(s->values.at("limits.memory"), "512MiB");

  s = ParseConfigSet({"c1", "limits.cpu=2"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->instance, "c1");
  EXPECT_EQ(s->values.at("limits.cpu"), "2");

  s = ParseConfigSet({"c1", "a=1", "b=x=y"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->values.at("b"), "x=y");

  EXPECT_FALSE(ParseConfigSet({}).ok());
  EXPECT_FALSE(ParseConfigSet({"key"}).ok());
  EXPECT_FALSE(ParseConfigSet({"c1", "a", "b", "c"}).ok());
}

TEST(FormatTest, TableLikeLxc) {
  std::string t =
      RenderTable(ListHeader(), {{"c1", "RUNNING", "10.0.3.5 (eth0)", "", "CONTAINER", "0"}});
  EXPECT_EQ(t,
            "+------+---------+-----------------+------+-----------+-----------+\n"
            "| NAME |  STATE  |      IPV4       | IPV6 |   TYPE    | SNAPSHOTS |\n"
            "+------+---------+-----------------+------+-----------+-----------+\n"
            "| c1   | RUNNING | 10.0.3.5 (eth0) |      | CONTAINER | 0         |\n"
            "+------+---------+-----------------+------+-----------+-----------+\n");
  EXPECT_EQ(RenderTable({"A", "B"}, {{"x\ny", "z"}}),
            "+---+---+\n"
            "| A | B |\n"
            "+---+---+\n"
            "| x | z |\n"
            "| y |   |\n"
            "+---+---+\n");
}

TEST(FormatTest, Csv) {
  EXPECT_EQ(RenderCsv({{"c1", "RUNNING", "", "CONTAINER", "0"}, {"a,b", "say \"hi\"", "x\ny"}}),
            "c1,RUNNING,,CONTAINER,0\n\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\n");
}

json TranscriptInstance() {
  return json::parse(R"({"architecture":"x86_64","config":{},"devices":{},"ephemeral":false,
    "profiles":["default"],"stateful":false,"description":"",
    "created_at":"2026-11-29T01:07:31.76630256Z","name":"c1","status":"Running",
    "status_code":103,"last_used_at":"2026-11-29T01:07:32.217117248Z","type":"container",
    "state":{"status":"Running","status_code":103,"memory":{"usage":675840,"usage_peak":1449984},
    "network":{"lo":{"addresses":[{"family":"inet","address":"127.0.0.1","scope":"local"}]},
      "eth0":{"addresses":[{"family":"inet","address":"10.0.3.5","netmask":"24","scope":"global"},
        {"family":"inet6","address":"fd42::5","netmask":"64","scope":"global"},
        {"family":"inet6","address":"fe80::1","netmask":"64","scope":"link"}]}},
    "pid":9431,"processes":1,"cpu":{"usage":13363283}},"snapshots":null})");
}

TEST(FormatTest, InstanceListFormats) {
  json b = TranscriptInstance();
  b["name"] = "b0";
  b["status"] = "Stopped";
  b["state"] = json::object();
  b["ephemeral"] = true;
  json list = json::array({TranscriptInstance(), b});
  auto table = RenderInstanceList(list, "table");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(
      *table,
      "+------+---------+-----------------+----------------+-----------------------+-----------+\n"
      "| NAME |  STATE  |      IPV4       |      IPV6      |         TYPE          | SNAPSHOTS |\n"
      "+------+---------+-----------------+----------------+-----------------------+-----------+\n"
      "| b0   | STOPPED |                 |                | CONTAINER (EPHEMERAL) | 0         |\n"
      "+------+---------+-----------------+----------------+-----------------------+-----------+\n"
      "| c1   | RUNNING | 10.0.3.5 (eth0) | fd42::5 (eth0) | CONTAINER             | 0         |\n"
      "+------+---------+-----------------+----------------+-----------------------+-----------+"
      "\n");
  EXPECT_EQ(RenderInstanceList(list, "csv").value(),
            "b0,STOPPED,,,CONTAINER (EPHEMERAL),0\nc1,RUNNING,10.0.3.5 (eth0),fd42::5 (eth0),"
            "CONTAINER,0\n");
  EXPECT_EQ(json::parse(RenderInstanceList(list, "json").value()), list);
  std::string yaml = RenderInstanceList(list, "yaml").value();
  EXPECT_NE(yaml.find("- architecture: x86_64"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("name: c1"), std::string::npos) << yaml;
  EXPECT_FALSE(RenderInstanceList(list, "xml").ok());
  EXPECT_EQ(RenderInstanceList(json::array(), "table").value(),
            "+------+-------+------+------+------+-----------+\n"
            "| NAME | STATE | IPV4 | IPV6 | TYPE | SNAPSHOTS |\n"
            "+------+-------+------+------+------+-----------+\n");
}

TEST(FormatTest, YamlQuotesAmbiguousStrings) {
  nlohmann::ordered_json v;
  v["config"]["images.auto_update_interval"] = "0";
  v["config"]["limits.memory"] = "512MiB";
  v["config"]["security.nesting"] = "true";
  v["devices"] = nlohmann::ordered_json::object();
  v["ephemeral"] = false;
  v["profiles"] = {"default"};
  v["description"] = "";
  EXPECT_EQ(ToYaml(v),
            "config:\n"
            "  images.auto_update_interval: \"0\"\n"
            "  limits.memory: 512MiB\n"
            "  security.nesting: \"true\"\n"
            "devices: {}\n"
            "ephemeral: false\n"
            "profiles:\n"
            "  - default\n"
            "description: \"\"\n");
}

TEST(FormatTest, UnitsAndTimes) {
  EXPECT_EQ(HumanBytes(675840), "660.00KiB");
  EXPECT_EQ(HumanBytes(1449984), "1.38MiB");
  EXPECT_EQ(HumanBytes(512), "512B");
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(FormatTimestamp("2026-11-29T01:07:31.76630256Z"), "2026/11/29 01:07 UTC");
  EXPECT_EQ(FormatTimestamp("2026-11-29T03:07:31+02:00"), "2026/11/29 01:07 UTC");
  EXPECT_EQ(FormatTimestamp("0001-01-01T00:00:00Z"), "");
}

TEST(FormatTest, InfoLikeLxc) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(RenderInfo(TranscriptInstance()),
            "Name: c1\n"
            "Status: RUNNING\n"
            "Type: container\n"
            "Architecture: x86_64\n"
            "PID: 9431\n"
            "Created: 2026/11/29 01:07 UTC\n"
            "Last Used: 2026/11/29 01:07 UTC\n"
            "\n"
            "Resources:\n"
            "  Processes: 1\n"
            "  CPU usage:\n"
            "    CPU usage (in seconds): 0\n"
            "  Memory usage:\n"
            "    Memory (current): 660.00KiB\n"
            "    Memory (peak): 1.38MiB\n");
}

// End to end: argv → requests against a fake server.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nest-cli-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int RunNest(FakeLxd& server, std::vector<std::string> args) {
    args.insert(args.begin(), "nest");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    Context ctx{client::Connection(server.socket_path())};
    return Main(static_cast<int>(argv.size()), argv.data(), ctx);
  }

  static json Op(const std::string& id, int code, std::string err = "") {
    return {
        {"id", id}, {"class", "task"}, {"status_code", code}, {"metadata", nullptr}, {"err", err}};
  }

  std::string dir_;
};

TEST_F(CliTest, LaunchPostsAndWaits) {
  FakeLxd server(dir_ + "/s", [](const FakeRequest& r) -> FakeReply {
    if (r.method == "POST" && r.target == "/1.0/instances") return Async(Op("op1", 103));
    if (r.target.starts_with("/1.0/operations/op1")) return Sync(Op("op1", 200));
    return Err(404, "not found");
  });
  EXPECT_EQ(RunNest(server, {"launch", "builtin:busybox", "c1", "-c", "a=b"}), 0);
  auto reqs = server.requests();
  ASSERT_GE(reqs.size(), 2u);
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["name"], "c1");
  EXPECT_EQ(body["start"], true);
  EXPECT_EQ(body["config"], json({{"a", "b"}}));
  EXPECT_EQ(RunNest(server, {"launch", "nope:x", "c1"}), 1);
}

TEST_F(CliTest, FailedOperationExitsOne) {
  FakeLxd server(dir_ + "/s", [](const FakeRequest& r) -> FakeReply {
    if (r.method == "PUT") return Async(Op("op2", 103));
    if (r.target.starts_with("/1.0/operations/op2")) {
      return Sync(Op("op2", 400, "The instance is already running"));
    }
    return Err(404, "not found");
  });
  EXPECT_EQ(RunNest(server, {"start", "c1"}), 1);
  json body = json::parse(ApiRequests(server)[0].body);
  EXPECT_EQ(body, json::parse(R"({"action":"start","timeout":-1,"force":false,"stateful":false})"));
  EXPECT_EQ(RunNest(server, {"stop", "-f", "--timeout", "5", "c1"}), 1);
  body = json::parse(ApiRequests(server)[2].body);
  EXPECT_EQ(body["action"], "stop");
  EXPECT_EQ(body["force"], true);
  EXPECT_EQ(body["timeout"], 5);
}

TEST_F(CliTest, InstanceConfigSetUsesEtag) {
  FakeLxd server(dir_ + "/s", [](const FakeRequest& r) -> FakeReply {
    if (r.method == "GET" && r.target == "/1.0/instances/c1") {
      return Sync({{"name", "c1"},
                   {"architecture", "x86_64"},
                   {"config", {{"x", "1"}}},
                   {"devices", json::object()},
                   {"profiles", {"default"}},
                   {"ephemeral", false},
                   {"stateful", false},
                   {"description", ""},
                   {"status", "Running"}},
                  "\"e1\"");
    }
    if (r.method == "PUT" && r.target == "/1.0/instances/c1") return Async(Op("op3", 103));
    if (r.target.starts_with("/1.0/operations/op3")) return Sync(Op("op3", 200));
    if (r.method == "PATCH" && r.target == "/1.0") return Sync(json::object());
    return Err(404, "not found");
  });
  EXPECT_EQ(RunNest(server, {"config", "set", "c1", "limits.cpu", "2"}), 0);
  auto reqs = ApiRequests(server);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].method, "PUT");
  EXPECT_EQ(reqs[1].headers["if-match"], "\"e1\"");
  json put = json::parse(reqs[1].body);
  EXPECT_EQ(put["config"], json({{"x", "1"}, {"limits.cpu", "2"}}));
  EXPECT_FALSE(put.contains("status"));

  EXPECT_EQ(RunNest(server, {"config", "set", "images.auto_update_interval", "0"}), 0);
  reqs = server.requests();
  EXPECT_EQ(reqs.back().method, "PATCH");
  EXPECT_EQ(json::parse(reqs.back().body),
            json::parse(R"({"config":{"images.auto_update_interval":"0"}})"));

  EXPECT_EQ(RunNest(server, {"config", "unset", "c1", "missing"}), 1);
}

TEST_F(CliTest, ExecMapsFlagsAndExitsWithReturn) {
  FakeLxd server(
      dir_ + "/s",
      [](const FakeRequest& r) -> FakeReply {
        if (r.method == "POST" && r.target == "/1.0/instances/c1/exec") {
          json op = Op("ex", 103);
          op["class"] = "websocket";
          op["metadata"] = {{"fds", {{"0", "s0"}, {"1", "s1"}, {"2", "s2"}, {"control", "sc"}}}};
          return Async(op);
        }
        if (r.target == "/1.0/operations/ex/wait?timeout=-1") {
          json op = Op("ex", 200);
          op["metadata"] = {{"return", 42}};
          return Sync(op);
        }
        return Err(404, "Instance not found");
      },
      [](const std::string& target, client::testing::FakeWs& ws) {
        std::string data;
        bool text;
        if (target.ends_with("s1") || target.ends_with("s2")) {
          ws.Write("", true);
          return;
        }
        while (ws.Read(&data, &text) && !(text && data.empty())) {
        }
      });
  EXPECT_EQ(RunNest(server, {"exec", "c1", "-T", "-n", "--env", "A=1", "--cwd", "/tmp", "--user",
                             "1000", "--", "sh", "-c", "exit 42"}),
            42);
  json body = json::parse(server.requests()[0].body);
  EXPECT_EQ(body["command"], json({"sh", "-c", "exit 42"}));
  EXPECT_EQ(body["interactive"], false);
  EXPECT_EQ(body["environment"], json({{"A", "1"}}));
  EXPECT_EQ(body["cwd"], "/tmp");
  EXPECT_EQ(body["user"], 1000);
  EXPECT_EQ(body["wait-for-websocket"], true);
  EXPECT_EQ(RunNest(server, {"exec", "nope", "-T", "-n", "--", "true"}), 1);
}

TEST_F(CliTest, UsageErrorsAndUnreachable) {
  FakeLxd server(dir_ + "/s", [](const FakeRequest&) { return Err(404, "not found"); });
  EXPECT_NE(RunNest(server, {"frobnicate"}), 0);
  EXPECT_NE(RunNest(server, {"list", "--bogus"}), 0);
  EXPECT_EQ(RunNest(server, {"info", "nope"}), 1);
  std::vector<const char*> argv = {"nest", "list"};
  Context ctx{client::Connection(dir_ + "/missing")};
  EXPECT_EQ(Main(2, argv.data(), ctx), 1);
}

}  // namespace
}  // namespace nest::cli
