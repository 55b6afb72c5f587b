#include "client/fake_lxd.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/algorithm/string/case_conv.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

namespace nest::client::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using local = asio::local::stream_protocol;
using nlohmann::json;

std::string SyncBody(const json& metadata) {
  return json{{"type", "sync"},  {"status", "Success"}, {"status_code", 200},  {"operation", ""},
              {"error_code", 0}, {"error", ""},         {"metadata", metadata}}
      .dump();
}

std::string AsyncBody(const json& op) {
  return json{
      {"type", "async"},    {"status", "Operation created"},
      {"status_code", 100}, {"operation", "/1.0/operations/" + op.value("id", std::string())},
      {"error_code", 0},    {"error", ""},
      {"metadata", op}}
      .dump();
}

std::string ErrorBody(int code, const std::string& message) {
  return json{{"type", "error"},    {"status", ""},     {"status_code", 0},   {"operation", ""},
              {"error_code", code}, {"error", message}, {"metadata", nullptr}}
      .dump();
}

FakeReply Sync(const json& metadata, std::string etag) {
  FakeReply r{200, SyncBody(metadata), {}};
  if (!etag.empty()) r.headers.emplace_back("ETag", std::move(etag));
  return r;
}

FakeReply Async(const json& op) {
  return {202, AsyncBody(op), {{"Location", "/1.0/operations/" + op.value("id", std::string())}}};
}

FakeReply Err(int code, const std::string& message) { return {code, ErrorBody(code, message), {}}; }

namespace {

class BeastFakeWs : public FakeWs {
 public:
  explicit BeastFakeWs(websocket::stream<local::socket&>& ws) : ws_(ws) {}
  bool Read(std::string* data, bool* text) override {
    boost::beast::flat_buffer buf;
    boost::system::error_code ec;
    ws_.read(buf, ec);
    if (ec) return false;
    *data = boost::beast::buffers_to_string(buf.data());
    *text = ws_.got_text();
    return true;
  }
  void Write(const std::string& data, bool text) override {
    boost::system::error_code ec;
    ws_.text(text);
    ws_.write(asio::buffer(data), ec);
  }

 private:
  websocket::stream<local::socket&>& ws_;
};

}  // namespace

struct FakeLxd::State {
  HttpHandler http;
  WsHandler ws;
  asio::io_context ioc;
  std::unique_ptr<local::acceptor> acceptor;
  std::thread accept_thread;
  mutable std::mutex mu;
  std::vector<FakeRequest> requests;
  std::vector<std::thread> threads;
  std::vector<int> fds;
  std::atomic<bool> stopping{false};

  void Serve(local::socket sock) {
    int fd = sock.native_handle();
    ServeLoop(sock);
    std::lock_guard lock(mu);
    std::erase(fds, fd);
  }

  void ServeLoop(local::socket& sock) {
    boost::beast::flat_buffer buf;
    while (true) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(sock, buf, req, ec);
      if (ec) return;
      FakeRequest fr{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
      for (const auto& f : req) {
        fr.headers[boost::algorithm::to_lower_copy(std::string(f.name_string()))] =
            std::string(f.value());
      }
      {
        std::lock_guard lock(mu);
        requests.push_back(fr);
      }
      if (websocket::is_upgrade(req)) {
        websocket::stream<local::socket&> wss(sock);
        wss.accept(req, ec);
        if (ec) return;
        BeastFakeWs fws(wss);
        if (ws) ws(fr.target, fws);
        wss.close(websocket::close_code::normal, ec);
        return;
      }
      FakeReply reply = http(fr);
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, "application/json");
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }
};

FakeLxd::FakeLxd(std::string socket_path, HttpHandler http, WsHandler ws)
    : path_(std::move(socket_path)), state_(std::make_shared<State>()) {
  ::unlink(path_.c_str());
  state_->http = std::move(http);
  state_->ws = std::move(ws);
  state_->acceptor = std::make_unique<local::acceptor>(state_->ioc, local::endpoint(path_));
  state_->accept_thread = std::thread([s = state_] {
    while (!s->stopping) {
      local::socket sock(s->ioc);
      boost::system::error_code ec;
      s->acceptor->accept(sock, ec);
      if (ec == asio::error::interrupted) continue;
      if (ec || s->stopping) return;
      std::lock_guard lock(s->mu);
      s->fds.push_back(sock.native_handle());
      s->threads.emplace_back([s, sock = std::move(sock)]() mutable { s->Serve(std::move(sock)); });
    }
  });
}

FakeLxd::~FakeLxd() {
  state_->stopping = true;
  ::shutdown(state_->acceptor->native_handle(), SHUT_RDWR);
  // Wake the blocked accept with a throwaway connection.
  {
    asio::io_context ioc;
    local::socket poke(ioc);
    boost::system::error_code ec;
    poke.connect(local::endpoint(path_), ec);
  }
  state_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(state_->mu);
    for (int fd : state_->fds) ::shutdown(fd, SHUT_RDWR);
    threads.swap(state_->threads);
  }
  for (auto& t : threads) t.join();
  ::unlink(path_.c_str());
}

std::vector<FakeRequest> FakeLxd::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}

}  // namespace nest::client::testing
