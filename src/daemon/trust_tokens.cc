#include "daemon/trust_tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/strings.h"
#include "core/api/certificate.h"
#include "core/time_format.h"

namespace nest::daemon {
namespace {

std::string RandomSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return base::HexEncode(bytes, sizeof bytes);
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

int64_t Nanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

TrustTokens::~TrustTokens() {
  Shutdown();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return waiting_ == 0; });
}

void TrustTokens::Shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

TrustTokens::Created TrustTokens::Create(const std::string& name,
                                         const std::string& server_fingerprint,
                                         const std::vector<std::string>& addresses,
                                         int64_t expiry_seconds) {
  Pending p;
  p.name = name;
  p.secret = RandomSecret();
  core::api::CertificateAddToken token;
  token.client_name = name;
  token.fingerprint = server_fingerprint;
  token.addresses = addresses;
  token.secret = p.secret;
  nlohmann::json metadata = {{"request", {{"name", name}, {"type", "client"}}},
                             {"secret", p.secret},
                             {"fingerprint", server_fingerprint},
                             {"addresses", addresses}};
  if (expiry_seconds > 0) {
    p.expires = std::chrono::system_clock::now() + std::chrono::seconds(expiry_seconds);
    p.expires_text = core::FormatRfc3339(Nanos(*p.expires));
    token.expires_at = p.expires_text;
    metadata["expiresAt"] = p.expires_text;
  }
  auto shared_id = std::make_shared<std::string>();
  auto op = operations_.Create(
      "token", "Generating a certificate token", {}, metadata,
      [this, shared_id](ops::Operation& op) { return Wait(op, *shared_id); },
      [this](ops::Operation&) {
        std::lock_guard lock(mu_);
        cv_.notify_all();
        return base::Ok();
      });
  *shared_id = op->id();
  {
    std::lock_guard lock(mu_);
    pending_[op->id()] = std::move(p);
    ++waiting_;  // released by Wait, which Start runs on its own thread
  }
  operations_.Start(op);
  return {op, core::api::EncodeToken(token)};
}

base::Status TrustTokens::Wait(ops::Operation& op, const std::string& id) {
  std::unique_lock lock(mu_);
  base::Status result = base::Ok();
  for (;;) {
    auto it = pending_.find(id);
    if (it == pending_.end() || it->second.consumed) break;
    if (shutting_down_) {
      result = base::Error::Unavailable("nestd is shutting down");
      break;
    }
    if (op.cancel_requested()) {
      // Revoked: the manager marks it Cancelled once the cancel fn returns.
      pending_.erase(it);
      lock.unlock();
      op.WaitDone(std::chrono::milliseconds(-1));
      lock.lock();
      break;
    }
    if (it->second.expires && std::chrono::system_clock::now() >= *it->second.expires) {
      result = base::Error::Invalid("certificate add token expired at " + it->second.expires_text);
      pending_.erase(it);
      break;
    }
    if (it->second.expires) {
      cv_.wait_until(lock, *it->second.expires);
    } else {
      cv_.wait(lock);
    }
  }
  pending_.erase(id);
  --waiting_;
  cv_.notify_all();
  return result;
}

base::Result<std::string> TrustTokens::Consume(const std::string& presented) {
  std::string secret = presented;
  if (auto decoded = core::api::DecodeToken(presented); decoded.ok()) secret = decoded->secret;
  std::lock_guard lock(mu_);
  for (auto& [id, p] : pending_) {
    if (p.consumed || !SameSecret(p.secret, secret)) continue;
    if (p.expires && std::chrono::system_clock::now() >= *p.expires) {
      cv_.notify_all();
      return base::Error(base::ErrorKind::kForbidden,
                         "the certificate add token expired at " + p.expires_text);
    }
    p.consumed = true;
    cv_.notify_all();
    return p.name;
  }
  return base::Error(base::ErrorKind::kForbidden,
                     "no valid certificate add token matches (unknown, already used, revoked or "
                     "expired)");
}

}  // namespace nest::daemon
