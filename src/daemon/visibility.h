// What an untrusted HTTPS client may see of the image store: public images and
// the aliases pointing at them, and a private image when it presents one of
// its secrets (?secret=, see image_secrets.h). Anything else answers exactly
// as a missing image or alias would, so its existence does not leak (LXD
// answers 404 too).
#pragma once

#include <string>

#include "base/error.h"
#include "daemon/http/request.h"
#include "daemon/image_secrets.h"
#include "db/records.h"

namespace nest::daemon {

inline bool VisibleTo(const http::Request& req, const db::ImageRecord& image) {
  return req.trusted || image.is_public;
}

// What a request with ?secret= does to the secret: GET of the image only
// looks at it; the export uses it up.
enum class SecretUse { kLook, kUseUp };

// As above, or the request's ?secret= is a pending secret of `image`
// (`secrets` may be null: none). kUseUp uses a valid secret up whoever
// presents it, trusted or not, so a finished pull leaves no secret pending.
inline bool VisibleTo(const http::Request& req, const db::ImageRecord& image, ImageSecrets* secrets,
                      SecretUse use) {
  std::string secret = req.Query("secret");
  bool by_secret = false;
  if (secrets != nullptr && !secret.empty()) {
    by_secret = use == SecretUse::kUseUp ? secrets->Consume(image.fingerprint, secret)
                                         : secrets->Valid(image.fingerprint, secret);
  }
  return by_secret || VisibleTo(req, image);
}

// The error of a missing image, for an image the client may not see.
inline base::Error HiddenImage(const std::string& fingerprint) {
  return base::Error::NotFound("image \"" + fingerprint + "\" not found");
}

}  // namespace nest::daemon
