#include "client/operations.h"

#include <chrono>
#include <thread>

#include "base/strings.h"

namespace nest::client {
using base::Error;
using base::Result;
using base::Status;
using nlohmann::json;

bool OperationFinished(const json& op) {
  if (!op.is_object()) return true;
  auto it = op.find("status_code");
  return it == op.end() || !it->is_number() || it->get<int>() >= 200;
}

std::string OperationId(const json& v) {
  std::string s;
  if (v.is_object()) {
    s = v.value("id", "");
  } else if (v.is_string()) {
    s = v.get<std::string>();
  }
  if (size_t q = s.find('?'); q != std::string::npos) s.resize(q);
  if (size_t slash = s.rfind('/'); slash != std::string::npos) s = s.substr(slash + 1);
  return s;
}

Result<json> WaitOperationFinal(Connection& conn, std::string_view id_or_url, int timeout_s) {
  std::string id = OperationId(json(std::string(id_or_url)));
  return TRY_CTX(conn.Get("/1.0/operations/" + id + "/wait?timeout=" + std::to_string(timeout_s)),
                 "waiting for operation " + id);
}

Status OperationOutcome(const json& op) {
  if (!op.is_object()) return Error::Internal("invalid operation in response");
  int code = op.value("status_code", 0);
  if (code == 200) return base::Ok();
  std::string err = op.contains("err") && op["err"].is_string() ? op["err"].get<std::string>() : "";
  if (err.empty()) err = "operation " + op.value("status", std::string("failed"));
  return Error::Internal(err);
}

Result<json> WaitOperation(Connection& conn, std::string_view id_or_url, int timeout_s) {
  json op = TRY(WaitOperationFinal(conn, id_or_url, timeout_s));
  TRY(OperationOutcome(op));
  return op;
}

Result<json> PollOperation(Connection& conn, std::string_view id_or_url, int interval_ms,
                           const std::function<void(const json&)>& on_update) {
  std::string id = OperationId(json(std::string(id_or_url)));
  while (true) {
    json op = TRY_CTX(conn.Get("/1.0/operations/" + id), "waiting for operation " + id);
    if (on_update) on_update(op);
    if (OperationFinished(op)) return op;
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
}

}  // namespace nest::client
