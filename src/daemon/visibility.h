// What an untrusted HTTPS client may see of the image store: public images and
// the aliases pointing at them. Anything else answers exactly as a missing
// image or alias would, so its existence does not leak (LXD answers 404 too).
#pragma once

#include <string>

#include "base/error.h"
#include "daemon/http/request.h"
#include "db/records.h"

namespace nest::daemon {

inline bool VisibleTo(const http::Request& req, const db::ImageRecord& image) {
  return req.trusted || image.is_public;
}

// The error of a missing image, for an image the client may not see.
inline base::Error HiddenImage(const std::string& fingerprint) {
  return base::Error::NotFound("image \"" + fingerprint + "\" not found");
}

}  // namespace nest::daemon
