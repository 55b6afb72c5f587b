#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <thread>

#include "daemon/http/beast_glue.h"
#include "daemon/http/request.h"
#include "daemon/http/response.h"
#include "daemon/http/router.h"
#include "daemon/http/server.h"
#include "daemon/http/websocket.h"

namespace nest::daemon::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using nlohmann::json;

Request MakeRequest(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(ResponseTest, SyncEnvelopeMatchesLxd) {
  Response r = Response::EmptySync();
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.body(), R"({"type":"sync","status":"Success","status_code":200,"operation":"",)"
                      R"("error_code":0,"error":"","metadata":{}})");
  EXPECT_EQ(r.headers()[0].second, "application/json");
}

TEST(ResponseTest, SyncWithEtag) {
  Response r = Response::Sync(json{{"a", 1}}, "abc");
  EXPECT_EQ(r.Json()["metadata"]["a"], 1);
  bool found = false;
  for (const auto& [k, v] : r.headers()) {
    if (k == "ETag") {
      EXPECT_EQ(v, "\"abc\"");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(ResponseTest, AsyncEnvelope) {
  Response r = Response::Async(json{{"id", "x"}}, "/1.0/operations/x");
  EXPECT_EQ(r.status(), 202);
  EXPECT_EQ(r.body(),
            R"({"type":"async","status":"Operation created","status_code":100,)"
            R"("operation":"/1.0/operations/x","error_code":0,"error":"","metadata":{"id":"x"}})");
  bool location = false;
  for (const auto& [k, v] : r.headers()) location |= (k == "Location" && v == "/1.0/operations/x");
  EXPECT_TRUE(location);
}

TEST(ResponseTest, ErrorEnvelopeAndKinds) {
  Response r = Response::Error(base::Error::NotFound("Instance not found"));
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(),
            R"({"type":"error","status":"","status_code":0,"operation":"","error_code":404,)"
            R"("error":"Instance not found","metadata":null})");
  EXPECT_EQ(Response::Error(base::Error::Invalid("x")).status(), 400);
  EXPECT_EQ(Response::Error(base::Error::Conflict("x")).status(), 409);
  EXPECT_EQ(Response::Error({base::ErrorKind::kPrecondition, "x"}).status(), 412);
  EXPECT_EQ(Response::Error({base::ErrorKind::kForbidden, "x"}).status(), 403);
  EXPECT_EQ(Response::Error(base::Error::Unavailable("x")).status(), 503);
  EXPECT_EQ(Response::Error(base::Error::Internal("x")).status(), 500);
}

TEST(RequestTest, HeadersAndJsonBody) {
  Request r;
  r.headers = {{"Content-Type", "application/json"},
               {"Connection", "keep-alive, Upgrade"},
               {"upgrade", "WebSocket"}};
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("X-Missing"), "");
  EXPECT_TRUE(r.IsWebSocketUpgrade());
  r.body = R"({"name":)";
  auto bad = ParseJsonBody(r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), base::ErrorKind::kInvalid);
  EXPECT_EQ(bad.error().message(), "unexpected EOF");
  EXPECT_EQ(Response::Error(bad.error()).body(),
            R"({"type":"error","status":"","status_code":0,"operation":"","error_code":400,)"
            R"("error":"unexpected EOF","metadata":null})");
  r.body = R"({"name":"c1"})";
  auto good = ParseJsonBody(r);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ((*good)["name"], "c1");
}

TEST(RequestTest, UrlCoding) {
  EXPECT_EQ(UrlDecode("debian%2F12"), "debian/12");
  EXPECT_EQ(UrlDecode("a+b", true), "a b");
  EXPECT_EQ(UrlDecode("a+b"), "a+b");
  EXPECT_EQ(UrlDecode("bad%zz%4"), "bad%zz%4");
  EXPECT_EQ(UrlEncode("/tmp/a b"), "%2Ftmp%2Fa%20b");
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(
        "GET", "/1.0",
        [](Request&) {
          return Response::Sync(json{{"root", true}});
        },
        Access::kPublic);
    router_.Add("GET", "/1.0/instances/{name}", [](Request& r) {
      return Response::Sync(json{{"name", r.params["name"]}});
    });
    router_.Add("GET", "/1.0/instances/{name}/state", [](Request& r) {
      return Response::Sync(json{{"state", r.params["name"]}});
    });
    router_.Add("GET", "/1.0/images/aliases", [](Request&) {
      return Response::Sync(json{{"aliases", true}});
    });
    router_.Add("GET", "/1.0/images/{fingerprint}", [](Request& r) {
      return Response::Sync(json{{"fp", r.params["fingerprint"]}});
    });
    router_.Add("GET", "/1.0/images/aliases/{alias}", [](Request& r) {
      return Response::Sync(json{{"alias", r.params["alias"]}});
    });
    router_.Add("GET", "/1.0/logs/{rest...}", [](Request& r) {
      return Response::Sync(json{{"rest", r.params["rest"]}});
    });
    router_.Add("POST", "/1.0/boom",
                [](Request&) -> Response { throw std::runtime_error("kaboom"); });
  }
  Router router_;
};

TEST_F(RouterTest, MatchesParams) {
  Request r = MakeRequest("GET", "/1.0/instances/c1/state");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["state"], "c1");
  r = MakeRequest("GET", "/1.0/instances/c1");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["name"], "c1");
  r = MakeRequest("GET", "/1.0/");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["root"], true);
}

TEST_F(RouterTest, LiteralBeatsParamAndEncodedSlash) {
  Request r = MakeRequest("GET", "/1.0/images/aliases");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["aliases"], true);
  r = MakeRequest("GET", "/1.0/images/aliases/debian/12");
  r.raw_path = "/1.0/images/aliases/debian%2F12";
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["alias"], "debian/12");
  r = MakeRequest("GET", "/1.0/images/abcd");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["fp"], "abcd");
  r = MakeRequest("GET", "/1.0/logs/a/b/c");
  EXPECT_EQ(router_.Dispatch(r).Json()["metadata"]["rest"], "a/b/c");
}

TEST_F(RouterTest, UntrustedReachesOnlyPublicRoutes) {
  Request r = MakeRequest("GET", "/1.0");
  r.trusted = false;
  EXPECT_EQ(router_.Dispatch(r).status(), 200);
  r = MakeRequest("GET", "/1.0/instances/c1");
  r.trusted = false;
  Response denied = router_.Dispatch(r);
  EXPECT_EQ(denied.status(), 403);
  EXPECT_EQ(denied.Json()["error"], "not authorized");
  r = MakeRequest("GET", "/1.0/instances/c1");
  EXPECT_EQ(router_.Dispatch(r).status(), 200);
}

TEST_F(RouterTest, UnknownPathIs404AsLxd) {
  Request r = MakeRequest("GET", "/1.0/nothing-here");
  Response resp = router_.Dispatch(r);
  EXPECT_EQ(resp.status(), 404);
  EXPECT_EQ(resp.body(),
            R"({"type":"error","status":"","status_code":0,"operation":"","error_code":404,)"
            R"("error":"not found","metadata":null})");
}

TEST_F(RouterTest, WrongMethodIs501AsLxd) {
  Request r = MakeRequest("DELETE", "/1.0");
  Response resp = router_.Dispatch(r);
  EXPECT_EQ(resp.status(), 501);
  EXPECT_EQ(resp.body(),
            R"({"type":"error","status":"","status_code":0,"operation":"","error_code":501,)"
            R"("error":"not implemented","metadata":null})");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  Request r = MakeRequest("HEAD", "/1.0/instances/c9");
  EXPECT_EQ(router_.Dispatch(r).status(), 200);
}

TEST_F(RouterTest, SpoolDirOnlyForMarkedNonJsonTrustedBodies) {
  router_.Add("POST", "/1.0/images/{fingerprint}", [](Request&) { return Response::EmptySync(); });
  router_.SpoolBody("POST", "/1.0/images/{fingerprint}", "/spool");
  Request r = MakeRequest("POST", "/1.0/images/abcd");
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  EXPECT_EQ(router_.SpoolDirFor(r), "/spool");
  r.trusted = false;
  EXPECT_EQ(router_.SpoolDirFor(r), "") << "untrusted callers are refused before any spooling";
  r = MakeRequest("POST", "/1.0/images/abcd");
  r.headers.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(router_.SpoolDirFor(r), "");
  r = MakeRequest("POST", "/1.0/boom");
  EXPECT_EQ(router_.SpoolDirFor(r), "");
  r = MakeRequest("GET", "/1.0/images/abcd");
  EXPECT_EQ(router_.SpoolDirFor(r), "");
}

TEST(ResponseTest, StreamPiecesAndLength) {
  char path[] = "/tmp/nest-http-test-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "filedata", 8), 8);
  ::close(fd);
  auto file = BodyPiece::File(path);
  ::unlink(path);
  ASSERT_TRUE(file.ok());
  std::vector<BodyPiece> pieces;
  pieces.push_back(BodyPiece::Bytes("head-"));
  pieces.push_back(std::move(*file));
  pieces.push_back(BodyPiece::Bytes("-tail"));
  Response resp = Response::Stream(std::move(pieces), "application/octet-stream");
  EXPECT_TRUE(resp.is_stream());
  EXPECT_EQ(resp.StreamLength(), 18u);
  std::string out;
  EXPECT_TRUE(WriteStreamBody(resp, [&](std::string_view chunk) {
    out += chunk;
    return true;
  }));
  EXPECT_EQ(out, "head-filedata-tail");
  EXPECT_EQ(BodyPiece::File("/nonexistent/nest").error().kind(), base::ErrorKind::kNotFound);
}

TEST_F(RouterTest, ThrowingHandlerIs500) {
  Request r = MakeRequest("POST", "/1.0/boom");
  Response resp = router_.Dispatch(r);
  EXPECT_EQ(resp.status(), 500);
  EXPECT_EQ(resp.Json()["error"], "kaboom");
}

std::string TempSocketPath() {
  return (std::filesystem::temp_directory_path() /
          ("nest-http-test-" + std::to_string(::getpid()) + ".socket"))
      .string();
}

TEST(ServerTest, HttpAndWebSocketEndToEnd) {
  Router router;
  router.Add("GET", "/1.0/instances/{name}", [](Request& r) {
    return Response::Sync(json{
        {"name", r.params["name"]}, {"uid", r.peer_uid}, {"q", r.Query("path")}, {"body", r.body}});
  });
  router.Add("GET", "/1.0/echo", [](Request&) {
    return Response::Upgrade([](WebSocket& ws) {
      for (;;) {
        auto m = ws.Read();
        if (!m.ok()) return;
        if (m->binary) {
          (void)ws.WriteBinary(m->data);
        } else {
          (void)ws.WriteText("echo:" + m->data);
        }
      }
    });
  });
  std::string path = TempSocketPath();
  Server server(router);
  ASSERT_TRUE(server.Listen(path).ok());
  std::thread runner([&] { server.Run(); });

  // A second server on the same live socket refuses.
  {
    Server other(router);
    auto st = other.Listen(path);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind(), base::ErrorKind::kConflict);
  }

  asio::io_context ioc;
  asio::local::stream_protocol::socket sock(ioc);
  sock.connect(asio::local::stream_protocol::endpoint(path));
  beast::flat_buffer buf;
  for (int i = 0; i < 2; ++i) {  // keep-alive: two requests on one connection
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/1.0/instances/c%31?path=%2Ftmp%2Fx",
                                           11};
    req.set(bhttp::field::host, "nest");
    req.body() = "hello";
    req.prepare_payload();
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    json j = json::parse(res.body());
    EXPECT_EQ(j["metadata"]["name"], "c1");
    EXPECT_EQ(j["metadata"]["uid"], ::getuid());
    EXPECT_EQ(j["metadata"]["q"], "/tmp/x");
    EXPECT_EQ(j["metadata"]["body"], "hello");
  }
  {
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/1.0/nope", 11};
    req.set(bhttp::field::host, "nest");
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 404);
  }
  {
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/1.0/echo", 11};
    req.set(bhttp::field::host, "nest");
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(res.body(), "Bad Request\n");
  }

  asio::local::stream_protocol::socket wsock(ioc);
  wsock.connect(asio::local::stream_protocol::endpoint(path));
  beast::websocket::stream<asio::local::stream_protocol::socket> ws(std::move(wsock));
  ws.handshake("nest", "/1.0/echo");
  ws.text(true);
  ws.write(asio::buffer(std::string("hi")));
  beast::flat_buffer wbuf;
  ws.read(wbuf);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(wbuf.data()), "echo:hi");
  wbuf.clear();
  ws.binary(true);
  std::string big(100000, 'x');
  ws.write(asio::buffer(big));
  ws.read(wbuf);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(wbuf.data()), big);
  ws.close(beast::websocket::close_code::normal);

  server.Stop();  // also ends the idle keep-alive connection
  runner.join();
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace nest::daemon::http
