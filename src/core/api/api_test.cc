#include <gtest/gtest.h>

#include "core/api/event.h"
#include "core/api/image.h"
#include "core/api/instance.h"
#include "core/api/instance_exec.h"
#include "core/api/json.h"
#include "core/api/operation.h"
#include "core/api/profile.h"
#include "core/api/server.h"
#include "core/api/status_code.h"

namespace nest::core::api {
namespace {

// Snippets copied from the LXD 5.0.2 transcripts (reference/lxd-api).
constexpr const char* kInstance = R"js({"architecture":"x86_64","config":{"image.os":"busybox",
"volatile.idmap.base":"0","volatile.last_state.idmap":"[]"},"devices":{},"ephemeral":false,
"profiles":["default"],"stateful":false,"description":"","created_at":"2026-11-29T01:07:31.76630256Z",
"expanded_config":{"image.os":"busybox","volatile.idmap.base":"0","volatile.last_state.idmap":"[]"},
"expanded_devices":{"root":{"path":"/","pool":"default","type":"disk"}},"name":"c1","status":"Stopped",
"status_code":102,"last_used_at":"1970-01-01T00:00:00Z","location":"none","type":"container",
"project":"default"})js";

constexpr const char* kInstanceState = R"js({"status":"Running","status_code":103,"disk":{},
"memory":{"usage":675840,"usage_peak":1449984,"swap_usage":0,"swap_usage_peak":0},
"network":{"lo":{"addresses":[],"counters":{"bytes_received":0,"bytes_sent":0,"packets_received":0,
"packets_sent":0,"errors_received":0,"errors_sent":0,"packets_dropped_outbound":0,
"packets_dropped_inbound":0},"hwaddr":"","host_name":"","mtu":65536,"state":"down","type":"loopback"}},
"pid":9431,"processes":1,"cpu":{"usage":13363283}})js";

constexpr const char* kOperation = R"js({"id":"5fffaee9-9807-463e-b32f-ae0ad0df4195","class":"task",
"description":"Creating instance","created_at":"2026-11-29T01:07:31.761254852Z",
"updated_at":"2026-11-29T01:07:31.80906161Z","status":"Running","status_code":103,
"resources":{"containers":["/1.0/containers/c1"],"instances":["/1.0/instances/c1"]},
"metadata":{"create_instance_from_image_unpack_progress":"Unpack: 100% (39.52MB/s)",
"progress":{"percent":"100","speed":"39520510","stage":"create_instance_from_image_unpack"}},
"may_cancel":false,"err":"","location":"none"})js";

constexpr const char* kOperationCreated = R"js({"id":"5fffaee9-9807-463e-b32f-ae0ad0df4195",
"class":"task","description":"Creating instance","created_at":"2026-11-29T01:07:31.761254852Z",
"updated_at":"2026-11-29T01:07:31.761254852Z","status":"Running","status_code":103,
"resources":{"containers":["/1.0/containers/c1"],"instances":["/1.0/instances/c1"]},
"metadata":null,"may_cancel":false,"err":"","location":"none"})js";

constexpr const char* kLoggingEvent =
    R"js({"type":"logging","timestamp":"2026-11-29T01:07:38.817703421Z",
"metadata":{"message":"Handling API request","level":"debug","context":{"ip":"@","method":"GET",
"protocol":"unix","url":"/1.0","username":"root"}},"location":"none"})js";

constexpr const char* kLifecycleEvent = R"js({"type":"lifecycle",
"timestamp":"2026-11-29T01:07:38.853482003Z","metadata":{"action":"instance-exec",
"source":"/1.0/instances/c1","context":{"command":["true"]}},"location":"none","project":"default"})js";

constexpr const char* kProfile =
    R"js({"config":{},"description":"lab default profile: root disk only, no network",
"devices":{"root":{"path":"/","pool":"default","type":"disk"}},"name":"default","used_by":[]})js";

constexpr const char* kImage = R"js({"auto_update":false,"properties":{"architecture":"x86_64",
"description":"busybox 1.35.0 static (lab image, built offline)","name":"busybox-lab","os":"busybox",
"release":"1.35.0","variant":"lab"},"public":false,"expires_at":"1970-01-01T00:00:00Z",
"profiles":["default"],"aliases":[{"name":"busybox","description":""}],"architecture":"x86_64",
"cached":false,"filename":"busybox-unified.tar.gz",
"fingerprint":"082aca5d6c78836e1233d6c9c54c3b2aab987220d39e6d045d646e70a8607358","size":1033005,
"type":"container","created_at":"2023-11-14T22:13:20Z","last_used_at":"2026-11-29T01:07:15.745633062Z",
"uploaded_at":"2026-11-29T01:07:15.509940986Z"})js";

constexpr const char* kAlias = R"js({"description":"",
"target":"082aca5d6c78836e1233d6c9c54c3b2aab987220d39e6d045d646e70a8607358","name":"busybox",
"type":"container"})js";

constexpr const char* kServer = R"js({"config":{},"api_extensions":["storage_zfs_remove_snapshots",
"instance_create_start"],"api_status":"stable","api_version":"1.0","auth":"trusted","public":false,
"auth_methods":["tls"],"environment":{"addresses":[],"architectures":["x86_64","i686"],
"certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
"certificate_fingerprint":"904e09f2","driver":"lxc","driver_version":"5.0.2","firewall":"nftables",
"kernel":"Linux","kernel_architecture":"x86_64","kernel_features":{"idmapped_mounts":"true",
"shiftfs":"false"},"kernel_version":"6.18.44-fc-v595","lxc_features":{"cgroup2":"true"},
"os_name":"Debian GNU/Linux","os_version":"12","project":"default","server":"lxd",
"server_clustered":false,"server_event_mode":"full-mesh","server_name":"vm","server_pid":6365,
"server_version":"5.0.2","storage":"dir","storage_version":"1",
"storage_supported_drivers":[{"Name":"dir","Version":"1","Remote":false}]}})js";

constexpr const char* kExecRecord = R"js({"command":["sh","-c","echo out; echo err >&2; exit 3"],
"environment":{"FOO":"bar"},"wait-for-websocket":false,"interactive":false,"record-output":true,
"width":0,"height":0,"user":0,"group":0,"cwd":"/tmp"})js";

constexpr const char* kStatePut =
    R"js({"action":"start","timeout":30,"force":false,"stateful":false})js";

template <typename T>
void ExpectRoundTrip(const char* text) {
  Json original = Json::parse(text);
  auto parsed = FromJson<T>(original, "test");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  Json again = parsed.value();
  EXPECT_EQ(again, original) << "got:  " << again.dump() << "\nwant: " << original.dump();
}

TEST(Api, RoundTripsTranscripts) {
  ExpectRoundTrip<Instance>(kInstance);
  ExpectRoundTrip<InstanceState>(kInstanceState);
  ExpectRoundTrip<Operation>(kOperation);
  ExpectRoundTrip<Operation>(kOperationCreated);
  ExpectRoundTrip<Event>(kLoggingEvent);
  ExpectRoundTrip<Event>(kLifecycleEvent);
  ExpectRoundTrip<Profile>(kProfile);
  ExpectRoundTrip<Image>(kImage);
  ExpectRoundTrip<ImageAliasesEntry>(kAlias);
  ExpectRoundTrip<Server>(kServer);
  ExpectRoundTrip<InstanceExecPost>(kExecRecord);
  ExpectRoundTrip<InstanceStatePut>(kStatePut);
}

TEST(Api, InstanceFields) {
  auto inst = ParseJson<Instance>(kInstance, "instance");
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(inst->name, "c1");
  EXPECT_EQ(inst->status_code, StatusCode::kStopped);
  EXPECT_EQ(inst->profiles, std::vector<std::string>{"default"});
  EXPECT_EQ(inst->expanded_devices.at("root").at("pool"), "default");
  EXPECT_FALSE(Json(*inst).contains("restore"));
}

TEST(Api, InstanceFullHasStateAndNullLists) {
  InstanceFull full;
  full.name = "c1";
  full.status_code = StatusCode::kRunning;
  InstanceState state;
  state.status_code = StatusCode::kRunning;
  state.pid = 42;
  full.state = state;
  Json j = full;
  EXPECT_EQ(j["status"], "Running");
  EXPECT_EQ(j["state"]["pid"], 42);
  EXPECT_EQ(j["state"]["disk"], Json::object());
  EXPECT_TRUE(j["state"]["network"].is_null());
  EXPECT_TRUE(j["snapshots"].is_null());
  EXPECT_TRUE(j["backups"].is_null());
  auto back = FromJson<InstanceFull>(j, "instance");
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->state.has_value());
  EXPECT_EQ(back->state->pid, 42);
}

TEST(Api, InstancesPostFromStockClient) {
  auto post = ParseJson<InstancesPost>(
      R"js({"name":"c1","type":"container","source":{"type":"image","alias":"busybox"}})js",
      "instance creation request");
  ASSERT_TRUE(post.ok()) << post.error().message();
  EXPECT_EQ(post->name, "c1");
  EXPECT_EQ(post->source.type, "image");
  EXPECT_EQ(post->source.alias, "busybox");
  EXPECT_FALSE(post->start);
  EXPECT_TRUE(post->profiles.empty());

  auto remote = ParseJson<InstancesPost>(
      R"js({"name":"c2","start":true,"profiles":["default"],"source":{"type":"image","mode":"pull",
      "server":"https://images.example","protocol":"simplestreams","alias":"debian/12",
      "base-image":"abc"}})js",
      "instance creation request");
  ASSERT_TRUE(remote.ok());
  EXPECT_TRUE(remote->start);
  EXPECT_EQ(remote->source.protocol, "simplestreams");
  EXPECT_EQ(remote->source.base_image, "abc");
  Json j = *remote;
  EXPECT_EQ(j["source"]["base-image"], "abc");
  EXPECT_FALSE(j["source"].contains("fingerprint"));
}

TEST(Api, ExecPostWithoutOptionalFields) {
  auto exec = ParseJson<InstanceExecPost>(
      R"js({"command":["sh"],"environment":{},"wait-for-websocket":true,"interactive":false,
      "record-output":false})js",
      "exec request");
  ASSERT_TRUE(exec.ok());
  EXPECT_TRUE(exec->wait_for_websocket);
  EXPECT_EQ(exec->user, 0u);
  EXPECT_EQ(exec->cwd, "");
  auto control = ParseJson<InstanceExecControl>(
      R"js({"command":"window-resize","args":{"width":"80","height":"24"}})js", "control");
  ASSERT_TRUE(control.ok());
  EXPECT_EQ(control->args.at("width"), "80");
}

TEST(Api, MergeJsonKeepsAbsentFields) {
  InstancePut put;
  put.description = "old";
  put.profiles = {"default"};
  put.config = {{"user.a", "1"}};
  ASSERT_TRUE(MergeJson(Json::parse(R"js({"description":"new"})js"), &put, "patch").ok());
  EXPECT_EQ(put.description, "new");
  EXPECT_EQ(put.profiles, std::vector<std::string>{"default"});
  EXPECT_EQ(put.config.at("user.a"), "1");
}

TEST(Api, TypeErrorsBecomeInvalid) {
  auto bad = ParseJson<InstanceStatePut>(R"js({"action":5})js", "state request");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), base::ErrorKind::kInvalid);
  EXPECT_EQ(bad.error().message().rfind("invalid state request: ", 0), 0u) << bad.error().message();

  auto syntax = ParseJson<InstanceStatePut>("{", "state request");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message().rfind("invalid JSON in state request: ", 0), 0u);

  auto not_object = ParseJson<InstanceStatePut>("[]", "state request");
  ASSERT_FALSE(not_object.ok());
}

TEST(Api, ServerPutAcceptsScalarConfigValues) {
  auto put = ParseJson<ServerPut>(
      R"js({"config":{"images.auto_update_interval":6,"images.auto_update_cached":false,
      "core.https_address":""}})js",
      "server config");
  ASSERT_TRUE(put.ok()) << put.error().message();
  EXPECT_EQ(put->config.at("images.auto_update_interval"), "6");
  EXPECT_EQ(put->config.at("images.auto_update_cached"), "false");
  EXPECT_FALSE(ParseJson<ServerPut>(R"js({"config":{"a":{"b":1}}})js", "server config").ok());

  Server untrusted;
  untrusted.auth = "untrusted";
  Json j = untrusted;
  EXPECT_FALSE(j.contains("environment"));
  EXPECT_EQ(j["api_extensions"], Json::array());
}

TEST(Api, OperationWithoutResourcesIsNull) {
  Operation op;
  op.id = "x";
  op.class_name = "token";
  op.status_code = StatusCode::kCreated;
  Json j = op;
  EXPECT_EQ(j["status"], "Operation created");
  EXPECT_EQ(j["status_code"], 100);
  EXPECT_TRUE(j["resources"].is_null());
}

TEST(Api, StatusNames) {
  struct Case {
    StatusCode code;
    const char* name;
  } cases[] = {
      {StatusCode::kCreated, "Operation created"},
      {StatusCode::kStarted, "Started"},
      {StatusCode::kStopped, "Stopped"},
      {StatusCode::kRunning, "Running"},
      {StatusCode::kCancelling, "Cancelling"},
      {StatusCode::kPending, "Pending"},
      {StatusCode::kStarting, "Starting"},
      {StatusCode::kStopping, "Stopping"},
      {StatusCode::kAborting, "Aborting"},
      {StatusCode::kFreezing, "Freezing"},
      {StatusCode::kFrozen, "Frozen"},
      {StatusCode::kThawed, "Thawed"},
      {StatusCode::kError, "Error"},
      {StatusCode::kReady, "Ready"},
      {StatusCode::kSuccess, "Success"},
      {StatusCode::kFailure, "Failure"},
      {StatusCode::kCancelled, "Cancelled"},
      {static_cast<StatusCode>(999), ""},
  };
  for (const Case& c : cases) EXPECT_STREQ(StatusName(c.code), c.name);
  EXPECT_TRUE(IsFinal(StatusCode::kSuccess));
  EXPECT_TRUE(IsFinal(StatusCode::kCancelled));
  EXPECT_FALSE(IsFinal(StatusCode::kRunning));
}

TEST(Api, EventLifecycleOmitsEmptyContext) {
  EventLifecycle lc{"instance-updated", "/1.0/instances/c1", nullptr, nullptr};
  EXPECT_EQ(Json(lc),
            Json::parse(R"js({"action":"instance-updated","source":"/1.0/instances/c1"})js"));
}

}  // namespace
}  // namespace nest::core::api
