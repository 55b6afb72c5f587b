// ImageSecrets: LXD's image download secrets. A trusted client asks for one
// (POST /1.0/images/<fp>/secret) and hands it to a server that does not trust
// it — typically the nestd or LXD that is to pull the image — which presents
// it as ?secret= on GET /1.0/images/<fp> and GET /1.0/images/<fp>/export of a
// private image.
//
// Each pending secret is a held (thread-less) Running operation of class
// "token", as in LXD: metadata {"secret": 64 hex digits}, resources
// {"images": ["/1.0/images/<fp>"]}. Cancelling it (DELETE of the operation)
// invalidates the secret; an export with it uses it up (the operation ends
// Success). Looking at the image with it does not: a pull reads the image,
// then exports it. Secrets do not expire (LXD's don't either) and do not
// survive a restart of nestd.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/ops/operations.h"

namespace nest::daemon {

// Thread-safety: all methods may be called from any thread. Must outlive the
// HTTP server (an operation's cancel calls back into this object).
class ImageSecrets {
 public:
  explicit ImageSecrets(ops::OperationManager& operations) : operations_(operations) {}

  // A new secret for image `fingerprint` (the full fingerprint): its Running
  // operation, whose metadata carries the secret.
  std::shared_ptr<ops::Operation> Create(const std::string& fingerprint);

  // True when `secret` is a pending secret of image `fingerprint`
  // (constant-time comparison). An empty secret is never valid.
  bool Valid(const std::string& fingerprint, const std::string& secret) const;

  // As Valid, and uses the secret up: its operation ends Success and the same
  // secret is never valid again.
  bool Consume(const std::string& fingerprint, const std::string& secret);

  // The number of pending secrets.
  size_t pending() const;

 private:
  struct Pending {
    std::string fingerprint;
    std::string secret;
    std::shared_ptr<ops::Operation> operation;
  };
  // The id of the pending secret matching (fingerprint, secret), "" if none. Requires mu_.
  std::string Find(const std::string& fingerprint, const std::string& secret) const;

  ops::OperationManager& operations_;

  mutable std::mutex mu_;
  std::map<std::string, Pending> pending_;  // protected by mu_; by operation id
};

}  // namespace nest::daemon
