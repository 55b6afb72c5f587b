// FakeLxd: a minimal LXD-shaped server on a unix socket for tests (test-only
// library nest_client_fake). Each connection is served on its own thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace nest::client::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
};

struct FakeReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A server-side websocket, used synchronously from its handler's thread.
class FakeWs {
 public:
  virtual ~FakeWs() = default;
  // False at close or error; *text tells a text message from a binary one.
  virtual bool Read(std::string* data, bool* text) = 0;
  virtual void Write(const std::string& data, bool text) = 0;
};

// LXD envelopes.
std::string SyncBody(const nlohmann::json& metadata);
std::string AsyncBody(const nlohmann::json& operation);
std::string ErrorBody(int code, const std::string& message);
FakeReply Sync(const nlohmann::json& metadata, std::string etag = "");
FakeReply Async(const nlohmann::json& operation);
FakeReply Err(int code, const std::string& message);

class FakeLxd {
 public:
  using HttpHandler = std::function<FakeReply(const FakeRequest&)>;
  // Gets the upgrade request's target; returns when done with the socket.
  using WsHandler = std::function<void(const std::string& target, FakeWs& ws)>;

  FakeLxd(std::string socket_path, HttpHandler http, WsHandler ws = nullptr);
  ~FakeLxd();

  const std::string& socket_path() const { return path_; }
  std::vector<FakeRequest> requests() const;

  struct State;

 private:
  std::string path_;
  std::shared_ptr<State> state_;
};

}  // namespace nest::client::testing
