// TrustTokens: one-time certificate add tokens (`nest config trust add` with no
// certificate). Each pending token is a Running "token" operation, as in LXD,
// so `lxc config trust list-tokens` / `revoke-token` (DELETE of the operation)
// work; it ends Success when used, Cancelled when revoked, Failure when expired.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "daemon/ops/operations.h"

namespace nest::daemon {

// Thread-safety: all methods may be called from any thread.
class TrustTokens {
 public:
  explicit TrustTokens(ops::OperationManager& operations) : operations_(operations) {}
  // Shutdown() and waits until no operation thread is inside this object.
  ~TrustTokens();

  struct Created {
    std::shared_ptr<ops::Operation> operation;  // started, Running
    std::string token;                          // base64, to hand to the client
  };
  // A new token for client `name`. `expiry_seconds` 0 → never expires.
  Created Create(const std::string& name, const std::string& server_fingerprint,
                 const std::vector<std::string>& addresses, int64_t expiry_seconds);

  // Uses up the token that `presented` names: a whole encoded token or its
  // bare secret. Returns the client name it was made for.
  // Errors (kForbidden): no pending token has that secret (unknown, already
  // used or revoked); the token expired (says when).
  base::Result<std::string> Consume(const std::string& presented);

  // Ends every pending token's wait (daemon shutdown). Idempotent.
  void Shutdown();

 private:
  struct Pending {
    std::string name;
    std::string secret;
    std::optional<std::chrono::system_clock::time_point> expires;
    std::string expires_text;
    bool consumed = false;
  };
  base::Status Wait(ops::Operation& op, const std::string& id);

  ops::OperationManager& operations_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Pending> pending_;  // protected by mu_; by operation id
  int waiting_ = 0;                         // protected by mu_
  bool shutting_down_ = false;              // protected by mu_
};

}  // namespace nest::daemon
