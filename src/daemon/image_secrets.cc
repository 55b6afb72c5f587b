#include "daemon/image_secrets.h"

#include <openssl/crypto.h>

#include "daemon/ops/timestamp.h"

namespace nest::daemon {
namespace {

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::shared_ptr<ops::Operation> ImageSecrets::Create(const std::string& fingerprint) {
  std::string secret = ops::RandomHex(32);
  auto op = operations_.Create(
      "token", "Image download token", {{"images", {"/1.0/images/" + fingerprint}}},
      nlohmann::json{{"secret", secret}}, nullptr, [this](ops::Operation& op) -> base::Status {
        std::lock_guard lock(mu_);
        if (pending_.erase(op.id()) == 0) {
          return base::Error::Conflict("the image secret was already used");
        }
        return base::Ok();
      });
  {
    std::lock_guard lock(mu_);
    pending_[op->id()] = {fingerprint, std::move(secret), op};
  }
  operations_.Hold(op);
  return op;
}

std::string ImageSecrets::Find(const std::string& fingerprint, const std::string& secret) const {
  if (secret.empty()) return "";
  std::string found;
  // Every entry is compared, so the time taken says nothing about which matched.
  for (const auto& [id, p] : pending_) {
    if (SameSecret(p.secret, secret) && p.fingerprint == fingerprint) found = id;
  }
  return found;
}

bool ImageSecrets::Valid(const std::string& fingerprint, const std::string& secret) const {
  std::lock_guard lock(mu_);
  return !Find(fingerprint, secret).empty();
}

bool ImageSecrets::Consume(const std::string& fingerprint, const std::string& secret) {
  std::shared_ptr<ops::Operation> op;
  {
    std::lock_guard lock(mu_);
    std::string id = Find(fingerprint, secret);
    if (id.empty()) return false;
    op = std::move(pending_[id].operation);
    pending_.erase(id);
  }
  operations_.Complete(*op, base::Ok());
  return true;
}

size_t ImageSecrets::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace nest::daemon
