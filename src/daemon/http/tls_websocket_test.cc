// Websockets over HTTPS: TlsServer upgrades, trust, timeouts (real TLS on loopback).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "daemon/http/router.h"
#include "daemon/http/tls_server.h"
#include "daemon/http/websocket.h"
#include "tls/certificate.h"

namespace nest::daemon::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using WsStream = beast::websocket::stream<beast::ssl_stream<tcp::socket>>;

tls::Identity MakeIdentity(bool client) {
  tls::IdentitySpec spec;
  spec.common_name = client ? "client@test" : "server@test";
  spec.ips = {"127.0.0.1"};
  spec.client = client;
  auto id = tls::GenerateIdentity(spec);
  EXPECT_TRUE(id.ok());
  return *id;
}

class TlsWebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_id_ = MakeIdentity(false);
    client_id_ = MakeIdentity(true);
    auto fp = tls::Fingerprint(client_id_.cert_pem);
    ASSERT_TRUE(fp.ok());
    trusted_fp_ = *fp;
    auto echo = [](Request&) {
      return Response::Upgrade([](WebSocket& ws) {
        (void)ws.WriteText("hello");  // written before the client says anything
        for (;;) {
          auto m = ws.Read();
          if (!m.ok()) return;
          if (m->binary) {
            auto st = ws.WriteBinary(m->data);
            if (!st.ok()) ADD_FAILURE() << st.error().message();
          } else {
            (void)ws.WriteText("echo:" + m->data);
          }
        }
      });
    };
    router_.Add("GET", "/trusted/echo", echo);
    router_.Add("GET", "/public/echo", echo, Access::kPublic);
  }

  void Start(TlsLimits limits = {}) {
    server_ = std::make_unique<TlsServer>(
        router_, [this](const std::string& fp) { return fp == trusted_fp_; }, limits);
    for (int attempt = 0; attempt < 5; ++attempt) {  // ":0" is not an address nest accepts
      {
        tcp::acceptor probe(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port_ = probe.local_endpoint().port();
      }
      auto st = server_->Start("127.0.0.1:" + std::to_string(port_), server_id_.cert_pem,
                               server_id_.key_pem);
      if (st.ok()) return;
    }
    FAIL() << "no free loopback port";
  }

  // A websocket client; `with_cert` presents the trusted client certificate.
  std::unique_ptr<WsStream> Connect(bool with_cert) {
    ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx_->set_verify_mode(ssl::verify_none);
    if (with_cert) {
      ctx_->use_certificate_chain(asio::buffer(client_id_.cert_pem));
      ctx_->use_private_key(asio::buffer(client_id_.key_pem), ssl::context::pem);
    }
    auto ws = std::make_unique<WsStream>(ioc_, *ctx_);
    beast::get_lowest_layer(*ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    ws->next_layer().handshake(ssl::stream_base::client);
    return ws;
  }

  Router router_;
  tls::Identity server_id_, client_id_;
  std::string trusted_fp_;
  std::unique_ptr<TlsServer> server_;
  uint16_t port_ = 0;
  asio::io_context ioc_;
  std::unique_ptr<ssl::context> ctx_;
};

// The server ends a closed websocket's TCP connection without a TLS
// close_notify; Go clients (lxc) do not mind, Beast reports "stream truncated".
void CloseWs(WsStream& ws) {
  beast::error_code ec;
  ws.close(beast::websocket::close_code::normal, ec);
  EXPECT_TRUE(!ec || ec == ssl::error::stream_truncated) << ec.message();
}

std::string ReadOne(WsStream& ws, bool* text = nullptr) {
  beast::flat_buffer buf;
  ws.read(buf);
  if (text) *text = ws.got_text();
  return beast::buffers_to_string(buf.data());
}

TEST_F(TlsWebSocketTest, TrustedClientEchoesTextAndLargeBinary) {
  Start();
  auto ws = Connect(true);
  ws->handshake("127.0.0.1", "/trusted/echo");
  bool text = false;
  EXPECT_EQ(ReadOne(*ws, &text), "hello");
  EXPECT_TRUE(text);
  ws->text(true);
  ws->write(asio::buffer(std::string("hi")));
  EXPECT_EQ(ReadOne(*ws), "echo:hi");
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>('a' + i % 26);
  ws->binary(true);
  ws->write(asio::buffer(big));
  EXPECT_EQ(ReadOne(*ws, &text), big);
  EXPECT_FALSE(text);
  CloseWs(*ws);
  server_->Stop();
}

TEST_F(TlsWebSocketTest, UntrustedClientIsRefusedOnTrustedRoutesOnly) {
  Start();
  {
    auto ws = Connect(false);
    auto& stream = ws->next_layer();
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/trusted/echo", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::upgrade, "websocket");
    req.set(beast::http::field::connection, "Upgrade");
    req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(beast::http::field::sec_websocket_version, "13");
    beast::http::write(stream, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    EXPECT_EQ(res.result_int(), 403);
    EXPECT_NE(res.body().find("not authorized"), std::string::npos) << res.body();
  }
  auto ws = Connect(false);
  ws->handshake("127.0.0.1", "/public/echo");
  EXPECT_EQ(ReadOne(*ws), "hello");
  CloseWs(*ws);
  server_->Stop();
}

TEST_F(TlsWebSocketTest, PlainRequestToWebSocketRouteIs400) {
  Start();
  auto ws = Connect(true);
  auto& stream = ws->next_layer();
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/trusted/echo", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(stream, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buf, res);
  EXPECT_EQ(res.result_int(), 400);
  server_->Stop();
}

TEST_F(TlsWebSocketTest, StopEndsOpenWebSockets) {
  Start();
  auto ws = Connect(true);
  ws->handshake("127.0.0.1", "/trusted/echo");
  EXPECT_EQ(ReadOne(*ws), "hello");
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  beast::flat_buffer buf;
  beast::error_code ec;
  ws->read(buf, ec);
  EXPECT_TRUE(ec);
}

TEST_F(TlsWebSocketTest, StalledReaderTimesOutTheWriter) {
  std::promise<std::string> writer_error;
  router_.Add("GET", "/flood", [&](Request&) {
    return Response::Upgrade([&](WebSocket& ws) {
      std::string chunk(1 << 20, 'z');
      for (int i = 0; i < 1000; ++i) {
        auto st = ws.WriteBinary(chunk);
        if (!st.ok()) {
          writer_error.set_value(st.error().message());
          return;
        }
      }
      writer_error.set_value("no timeout after 1000 MiB");
    });
  });
  TlsLimits limits;
  limits.write_seconds = 1;
  Start(limits);
  auto ws = Connect(true);
  ws->handshake("127.0.0.1", "/flood");
  // The client reads nothing more.
  auto result = writer_error.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::string message = result.get();
  EXPECT_NE(message.find("took more than 1 s"), std::string::npos) << message;
  server_->Stop();
}

}  // namespace
}  // namespace nest::daemon::http
