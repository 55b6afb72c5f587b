// Copying a private image between two servers, as `lxc image copy` does: the
// client, trusted by the source server, asks it for a one-time secret
// (POST /1.0/images/<fp>/secret); the target server, which the source does
// not trust, presents that secret when it reads and exports the image.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "client/connection.h"
#include "client/remotes.h"

namespace nest::client {

struct ImageSecret {
  std::string fingerprint;  // the image's full fingerprint
  std::string secret;
  std::string operation;  // the source's token operation, "/1.0/operations/<id>"
};

// True when a pull from `remote` may need a secret: an lxd-protocol remote
// over https that is not marked public (a unix-socket peer trusts the daemon
// anyway; a public remote has no client certificate to be trusted by).
bool MayNeedImageSecret(const Remote& remote);

// A connection to an https remote with the client's certificate (ConfigDir())
// and the remote's pinned certificate. Errors: the client certificate cannot
// be loaded or created.
base::Result<Connection> ConnectRemote(const Remote& remote);

// Looks up the image that `image_source` (an ImagesPost source naming an
// "alias" or a "fingerprint") names on `source`. nullopt when no secret is
// needed or none can help: the image is public, or `source` does not show it
// to this client (then the target's pull reports what it finds). For a
// private image, asks `source` for a secret. Errors: the secret request
// fails or its answer carries no secret.
base::Result<std::optional<ImageSecret>> RequestImageSecret(Connection& source,
                                                            const nlohmann::json& image_source);

// `image_source` made to pull exactly that image with its secret: by
// fingerprint (no alias: a secret is for one image, and LXD records no
// auto-update source for it either), with "secret".
nlohmann::json WithImageSecret(nlohmann::json image_source, const ImageSecret& secret);

}  // namespace nest::client
